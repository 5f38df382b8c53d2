#pragma once
// A gate for the event-overhead benchmark: a one-thread kernel that holds its
// stream until the host sets flag[0], so the ops enqueued behind it reach the
// GPU as one back-to-back batch whose GPU time excludes host launch gaps.
#include <cuda_runtime_api.h>

#include <cstdint>

namespace flopwall::bench {

// Enqueues the gate on `stream`. `flag` is the device address of two words of
// host-mapped memory: the kernel spins until flag[0] != 0 or `limit_ns` of
// GPU time have passed (so a bug can never hang the GPU), then writes 1
// (released) or 2 (gave up) to flag[1].
void launch_gate(volatile std::uint32_t* flag, std::uint64_t limit_ns, cudaStream_t stream);

}  // namespace flopwall::bench
