#include "backend/cuda/cuda_timer.hpp"

#include <fmt/format.h>

#include <thread>

#include "backend/steady_timer.hpp"

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
    // anchor runs as soon as it is recorded: its device time ≈ this host time.
    m_anchor_host_ns = steady_now_ns();
    static_cast<void>(cudaEventRecord(m_anchor.get(), m_stream));
  }
  static_cast<void>(cudaEventRecord(m_start[op_index].get(), m_stream));
}

void CudaTimer::end(std::size_t op_index) noexcept {
  static_cast<void>(cudaEventRecord(m_end[op_index].get(), m_stream));
}

std::size_t CudaTimer::first_incomplete_op() const noexcept {
  std::size_t op = 0;
  while (op + 1 < m_end.size() && cudaEventQuery(m_end[op].get()) == cudaSuccess) ++op;
  return op;
}

void CudaTimer::wait_for_last_op() {
  const std::int64_t started = steady_now_ns();
  const auto deadline = started + static_cast<std::int64_t>(m_policy.timeout_s * 1e9);
  cudaEvent_t last = m_end.back().get();
  for (;;) {
    const cudaError_t state = cudaEventQuery(last);
    if (state == cudaSuccess) return;
    // A kernel fault is sticky: every later query fails too, so the op named
    // is the first that did not complete, which is where the stream stopped.
    if (state != cudaErrorNotReady)
      throw OpFailure(first_incomplete_op(), fmt::format("the GPU reported: {}", cudaGetErrorString(state)));
    if (m_policy.check_async_errors) {
      try {
        m_policy.check_async_errors();
      } catch (const std::exception& e) {
        throw OpFailure(first_incomplete_op(), e.what());
      }
    }
    const std::int64_t now = steady_now_ns();
    if (now > deadline)
      throw OpFailure(first_incomplete_op(),
                      fmt::format("timed out after {:.1f} s waiting", static_cast<double>(now - started) / 1e9));
    std::this_thread::yield();
  }
}

void CudaTimer::resolve(std::span<OpSpan> out) {
  if (m_end.empty()) return;
  wait_for_last_op();
  auto device_ns = [&](const Event& e) {
    float ms = 0;
    FLOPWALL_CUDA_CHECK(cudaEventElapsedTime(&ms, m_anchor.get(), e.get()));
    return m_anchor_host_ns + static_cast<std::int64_t>(static_cast<double>(ms) * 1e6);
  };
  for (std::size_t i = 0; i < out.size() && i < m_end.size(); ++i) out[i] = {device_ns(m_start[i]), device_ns(m_end[i])};
}

}  // namespace flopwall::cuda
