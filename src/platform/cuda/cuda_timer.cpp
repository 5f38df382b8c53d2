#include "platform/cuda/cuda_timer.hpp"

#include <fmt/format.h>

#include <thread>

#include "platform/steady_timer.hpp"

namespace flopwall::cuda {

CudaTimer::CudaTimer(cudaStream_t stream, std::size_t ops, WaitPolicy policy)
    : m_stream(stream), m_anchor(make_event(true)), m_policy(std::move(policy)) {
  for (std::size_t i = 0; i < ops; ++i) {
    m_start.push_back(make_event(true));
    m_end.push_back(make_event(true));
  }
}

void CudaTimer::begin(std::size_t op_index) noexcept {
  if (op_index == 0) {
    // The stream is idle here (the previous iteration was resolved), so the
    // anchor runs as soon as the GPU sees it, a launch latency after the
    // record. Waiting for it brackets its device time between two host
    // stamps; the midpoint errs by at most half that gap (a few µs), where
    // the stamp before alone would err by the whole latency, every time.
    const std::int64_t before = steady_now_ns();
    static_cast<void>(cudaEventRecord(m_anchor.get(), m_stream));
    std::int64_t after = steady_now_ns();
    while (cudaEventQuery(m_anchor.get()) == cudaErrorNotReady && after - before < k_anchor_wait_limit_ns)
      after = steady_now_ns();
    m_anchor_host_ns = before + (after - before) / 2;
  }
  static_cast<void>(cudaEventRecord(m_start[op_index].get(), m_stream));
}

void CudaTimer::end(std::size_t op_index) noexcept {
  static_cast<void>(cudaEventRecord(m_end[op_index].get(), m_stream));
}

// The one polling loop behind every wait on the GPU: throws, saying why,
// on a GPU fault, on the policy's error check, or when the deadline passes.
void wait_for_event(cudaEvent_t event, const WaitPolicy& policy) {
  const std::int64_t started = steady_now_ns();
  for (;;) {
    const cudaError_t state = cudaEventQuery(event);
    if (state == cudaSuccess) return;
    if (state != cudaErrorNotReady) throw std::runtime_error(fmt::format("the GPU reported: {}", cudaGetErrorString(state)));
    if (policy.check_async_errors) policy.check_async_errors();
    const double waited_s = static_cast<double>(steady_now_ns() - started) / 1e9;
    if (waited_s > policy.timeout_s) throw std::runtime_error(fmt::format("timed out after {:.1f} s waiting", waited_s));
    std::this_thread::yield();
  }
}

void wait_for_stream(cudaStream_t stream, const WaitPolicy& policy, const char* what) {
  Event done = make_event(false);
  FLOPWALL_CUDA_CHECK(cudaEventRecord(done.get(), stream));
  try {
    wait_for_event(done.get(), policy);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{} for {}", e.what(), what));
  }
}

std::size_t CudaTimer::first_incomplete_op() const noexcept {
  std::size_t op = 0;
  while (op + 1 < m_end.size() && cudaEventQuery(m_end[op].get()) == cudaSuccess) ++op;
  return op;
}

void CudaTimer::resolve(std::span<OpSpan> out) {
  if (m_end.empty()) return;
  try {
    wait_for_event(m_end.back().get(), m_policy);
  } catch (const std::exception& e) {
    // A GPU fault is sticky (every later query fails too) and a hang stops
    // the stream: either way the first op not completed is where it stands.
    throw OpFailure(first_incomplete_op(), e.what());
  }
  auto device_ns = [&](const Event& e) {
    float ms = 0;
    FLOPWALL_CUDA_CHECK(cudaEventElapsedTime(&ms, m_anchor.get(), e.get()));
    return m_anchor_host_ns + static_cast<std::int64_t>(static_cast<double>(ms) * 1e6);
  };
  for (std::size_t i = 0; i < out.size() && i < m_end.size(); ++i) out[i] = {device_ns(m_start[i]), device_ns(m_end[i])};
}

}  // namespace flopwall::cuda
