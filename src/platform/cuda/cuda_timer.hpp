#pragma once
// OpTimer for the GPU: a start and an end CUDA event around every op on the
// compute stream, no host synchronization per op. After the iteration the
// host waits for the last event (polling, so a hang becomes a timeout), then
// places every event on its own steady clock: an anchor event recorded on an
// idle stream at the iteration's start is paired with a host stamp, so the
// device timeline is re-anchored every iteration and drift cannot accumulate.
#include <functional>
#include <vector>

#include "platform/cuda/cuda_resources.hpp"
#include "platform/op_timer.hpp"

namespace flopwall::cuda {

struct WaitPolicy {
  double timeout_s = 300;
  std::function<void()> check_async_errors;  // e.g. NCCL's; throws on error
};

// Polls `event` until it completes, under the policy's deadline and error
// check; throws saying why it stopped waiting.
void wait_for_event(cudaEvent_t event, const WaitPolicy& policy);
// The same for everything enqueued on `stream` so far; the error names `what`.
void wait_for_stream(cudaStream_t stream, const WaitPolicy& policy, const char* what);

class CudaTimer final : public OpTimer {
 public:
  CudaTimer(cudaStream_t stream, std::size_t ops, WaitPolicy policy);
  void begin(std::size_t op_index) noexcept override;
  void end(std::size_t op_index) noexcept override;
  void resolve(std::span<OpSpan> out) override;

 private:
  std::size_t first_incomplete_op() const noexcept;

  // An anchor not done by then means the stream was not idle: keep the stamps.
  static constexpr std::int64_t k_anchor_wait_limit_ns = 10'000'000;

  cudaStream_t m_stream;
  std::vector<Event> m_start, m_end;
  Event m_anchor;
  std::int64_t m_anchor_host_ns = 0;
  WaitPolicy m_policy;
};

}  // namespace flopwall::cuda
