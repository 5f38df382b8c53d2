#pragma once
// A small SIMT emulator, so that CI (no GPU) runs the project's CUDA kernels
// (kernels/cuda/*_kernels.cuh), unchanged, against their CPU references. A
// launch runs its blocks one after another; a block's threads are fibers
// (ucontext) on the calling OS thread, each run until it finishes or reaches
// a barrier, so the emulation is deterministic and needs no locks:
//   - threadIdx is set before each fiber resumes; blockIdx per block;
//   - __shared__ becomes `static`: one copy, shared by the running block;
//   - __syncthreads() suspends until every thread of the block reached it;
//   - __shfl_xor_sync exchanges values through slots between two barriers
//     over the warp's 32 threads.
// What it checks: indexing, bounds (the tests build it with AddressSanitizer),
// masking, reductions and the results. What it cannot: timing, coalescing,
// bank conflicts, occupancy, the GPU memory model beyond these barriers, and
// the launch wrappers in the .cu files. A barrier that some threads of the
// block never reach (a divergent __syncthreads, undefined on a GPU) aborts
// with a message instead of hanging. Under AddressSanitizer the fiber
// switches are announced to it, so stack accesses are checked too.
//
// Include this before any kernel header: the CUDA headers come first, then
// their execution-space keywords are redefined for plain C++.
#include <cuda_runtime_api.h>
#include <vector_types.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <type_traits>
#include <vector>

#include <ucontext.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#undef __global__
#undef __device__
#undef __shared__
#undef __forceinline__
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static

inline uint3 threadIdx;  // set before each emulated thread is resumed
inline uint3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;

namespace simt {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "simt: %s\n", what);
  std::abort();
}

// One emulated GPU thread: a fiber with its own stack, resumed by the block
// scheduler and suspended whenever it reaches a barrier.
struct Fiber {
  ucontext_t context{};
  char* stack = nullptr;
  uint3 index{};
  bool at_warp_barrier = false;
  bool at_block_barrier = false;
  bool done = false;
  void* asan_fake_stack = nullptr;
};

inline constexpr std::size_t k_fiber_stack = 256 * 1024;  // AddressSanitizer's redzones need the room

struct Scheduler {
  ucontext_t main{};
  const void* main_stack_bottom = nullptr;  // for AddressSanitizer
  std::size_t main_stack_size = 0;
  std::vector<Fiber> fibers;
  int current = -1;
  std::function<void()> body;  // the kernel call with its arguments
  std::array<float, 1024> shuffle_slots{};
};
inline Scheduler* g_scheduler = nullptr;

// Stacks are allocated once and reused by every launch.
inline char* fiber_stack(std::size_t i) {
  static std::vector<std::unique_ptr<char[]>> stacks;
  while (stacks.size() <= i) stacks.push_back(std::make_unique<char[]>(k_fiber_stack));
  return stacks[i].get();
}

// Scheduler → fiber, until the fiber suspends.
inline void resume(Scheduler& s, int i) {
  Fiber& f = s.fibers[static_cast<std::size_t>(i)];
  s.current = i;
  threadIdx = f.index;
#if defined(__SANITIZE_ADDRESS__)
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, f.stack, k_fiber_stack);
  swapcontext(&s.main, &f.context);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#else
  swapcontext(&s.main, &f.context);
#endif
}

// Fiber → scheduler, until the scheduler resumes this fiber (never, once done).
inline void suspend() {
  Scheduler& s = *g_scheduler;
  Fiber& f = s.fibers[static_cast<std::size_t>(s.current)];
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_start_switch_fiber(f.done ? nullptr : &f.asan_fake_stack, s.main_stack_bottom, s.main_stack_size);
  swapcontext(&f.context, &s.main);
  __sanitizer_finish_switch_fiber(f.asan_fake_stack, &s.main_stack_bottom, &s.main_stack_size);
#else
  swapcontext(&f.context, &s.main);
#endif
}

inline void fiber_entry() {
  Scheduler& s = *g_scheduler;
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_finish_switch_fiber(nullptr, &s.main_stack_bottom, &s.main_stack_size);
#endif
  s.body();
  s.fibers[static_cast<std::size_t>(s.current)].done = true;
  suspend();
  fail("a finished emulated thread was resumed");
}

// Runs one block: every runnable thread until it finishes or waits at a
// barrier; then releases each warp whose lanes all wait at its barrier, or
// the block once every thread waits at __syncthreads; until all finish.
inline void run_block(Scheduler& s) {
  const int threads = static_cast<int>(s.fibers.size());
  auto fiber = [&](int i) -> Fiber& { return s.fibers[static_cast<std::size_t>(i)]; };
  for (Fiber& f : s.fibers) {
    f.done = f.at_block_barrier = f.at_warp_barrier = false;
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = f.stack;
    f.context.uc_stack.ss_size = k_fiber_stack;
    f.context.uc_link = nullptr;
    makecontext(&f.context, fiber_entry, 0);
  }
  std::vector<char> runnable(static_cast<std::size_t>(threads), 1);
  for (;;) {
    for (int i = 0; i < threads; ++i)
      if (runnable[static_cast<std::size_t>(i)]) {
        runnable[static_cast<std::size_t>(i)] = 0;
        resume(s, i);
      }
    int done = 0, at_block = 0;
    for (const Fiber& f : s.fibers) done += f.done, at_block += f.at_block_barrier;
    if (done == threads) return;
    bool released = false;
    for (int first = 0; first < threads; first += 32) {
      const int last = std::min(threads, first + 32);
      int waiting = 0;
      for (int i = first; i < last; ++i) waiting += fiber(i).at_warp_barrier;
      if (waiting != last - first) continue;
      for (int i = first; i < last; ++i) fiber(i).at_warp_barrier = false, runnable[static_cast<std::size_t>(i)] = 1;
      released = true;
    }
    if (!released && at_block == threads) {
      for (int i = 0; i < threads; ++i) fiber(i).at_block_barrier = false, runnable[static_cast<std::size_t>(i)] = 1;
      released = true;
    }
    if (released) continue;
    if (at_block > 0 && at_block + done == threads)
      fail("__syncthreads: some threads of the block exited before reaching it (a divergent barrier)");
    fail("no emulated thread can proceed: a warp barrier some lanes never reach, or threads split between barriers");
  }
}

// Runs kernel<<<grid, block>>>(args...) to completion: the blocks one after
// another, the threads of a block as fibers on this one OS thread.
template <class... Params, class... Args>
void launch(dim3 grid, dim3 block, void (*kernel)(Params...), Args... args) {
  blockDim = block;
  gridDim = grid;
  const int threads = static_cast<int>(block.x * block.y * block.z);
  if (threads < 1 || threads > 1024) fail("a block has 1 to 1024 threads");
  Scheduler s;
  s.body = [&] { kernel(args...); };
  s.fibers.resize(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    Fiber& f = s.fibers[static_cast<std::size_t>(t)];
    f.stack = fiber_stack(static_cast<std::size_t>(t));
    f.index = {static_cast<unsigned>(t) % block.x, (static_cast<unsigned>(t) / block.x) % block.y,
               static_cast<unsigned>(t) / (block.x * block.y)};
  }
  g_scheduler = &s;
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        blockIdx = {x, y, z};
        run_block(s);
      }
  g_scheduler = nullptr;
}

inline int linear_thread() {
  return static_cast<int>(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z));
}

}  // namespace simt

inline void __syncthreads() {
  simt::g_scheduler->fibers[static_cast<std::size_t>(simt::g_scheduler->current)].at_block_barrier = true;
  simt::suspend();
}

template <class T>
T __shfl_xor_sync(unsigned mask, T value, int lane_mask) {
  static_assert(std::is_same_v<T, float>, "the emulator exchanges floats, all the kernels shuffle");
  if (mask != 0xffffffffu) simt::fail("__shfl_xor_sync with a partial mask is not emulated");
  simt::Scheduler& s = *simt::g_scheduler;
  const int t = simt::linear_thread(), lane = t % 32, warp_first = t - lane;
  auto wait_for_warp = [&] {
    s.fibers[static_cast<std::size_t>(t)].at_warp_barrier = true;
    simt::suspend();
  };
  s.shuffle_slots[static_cast<std::size_t>(t)] = value;
  wait_for_warp();
  const T other = s.shuffle_slots[static_cast<std::size_t>(warp_first + (lane ^ lane_mask))];
  wait_for_warp();  // nobody overwrites a slot before every lane has read
  return other;
}

// The device math the kernels use, at host precision (the fast-math forms
// are the GPU's approximations of these).
inline float __expf(float x) { return std::exp(x); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline int min(int a, int b) { return a < b ? a : b; }
