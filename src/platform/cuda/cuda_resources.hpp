#pragma once
// Move-only owners of device memory, streams and events.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

#include "platform/cuda/cuda_check.hpp"

namespace flopwall::cuda {

template <class Handle, cudaError_t (*Destroy)(Handle)>
class Owned {
 public:
  Owned() = default;
  explicit Owned(Handle h) noexcept : m_handle(h) {}
  Owned(Owned&& o) noexcept : m_handle(std::exchange(o.m_handle, Handle{})) {}
  Owned& operator=(Owned&& o) noexcept {
    if (this != &o) {
      reset();
      m_handle = std::exchange(o.m_handle, Handle{});
    }
    return *this;
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { reset(); }
  Handle get() const noexcept { return m_handle; }
  void reset() noexcept {
    if (m_handle) FLOPWALL_CUDA_CHECK_NOTHROW(Destroy(m_handle));
    m_handle = Handle{};
  }

 private:
  Handle m_handle{};
};

using Stream = Owned<cudaStream_t, cudaStreamDestroy>;
using Event = Owned<cudaEvent_t, cudaEventDestroy>;

inline Stream make_stream() {
  cudaStream_t s = nullptr;
  FLOPWALL_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  return Stream(s);
}

// Timing events record timestamps; ordering events skip that cost.
inline Event make_event(bool timing) {
  cudaEvent_t e = nullptr;
  FLOPWALL_CUDA_CHECK(cudaEventCreateWithFlags(&e, timing ? cudaEventDefault : cudaEventDisableTiming));
  return Event(e);
}

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes) : m_bytes(bytes) {
    if (bytes > 0) FLOPWALL_CUDA_CHECK(cudaMalloc(&m_ptr, bytes));
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept : m_ptr(std::exchange(o.m_ptr, nullptr)), m_bytes(o.m_bytes) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      if (m_ptr) FLOPWALL_CUDA_CHECK_NOTHROW(cudaFree(m_ptr));
      m_ptr = std::exchange(o.m_ptr, nullptr);
      m_bytes = o.m_bytes;
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (m_ptr) FLOPWALL_CUDA_CHECK_NOTHROW(cudaFree(m_ptr));
  }
  void* get() const noexcept { return m_ptr; }
  std::size_t bytes() const noexcept { return m_bytes; }
  // Gives the memory up without freeing it: cudaFree waits for the device,
  // which must not happen while a failing job unwinds past a hung kernel.
  void abandon() noexcept { m_ptr = nullptr; }

 private:
  void* m_ptr = nullptr;
  std::size_t m_bytes = 0;
};

}  // namespace flopwall::cuda
