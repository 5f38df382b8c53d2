#pragma once
// Executes a plan: warm-up iterations, then timed ones into the Recorder,
// re-estimating the clock offset to rank 0 every `resync_every` iterations.
#include <vector>

#include "backend/device.hpp"
#include "runtime/communicator.hpp"
#include "runtime/clock_sync.hpp"
#include "runtime/hang_locator.hpp"
#include "runtime/plan_work.hpp"
#include "trace/recorder.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

struct RunLoopOptions {
  int iterations = 0;
  int warmup = 0;
  double duration_s = 0;  // > 0: the timed loop also ends after the iteration that passes it
  bool progress = true;   // only rank 0 passes true
  int resync_every = 0;   // 0: estimate the clock offset once, at the start
  std::vector<std::int64_t> injected_delay_ns;  // per timed iteration, for the plan's idle op
  HangLocator* locator = nullptr;               // told of every op, outside its timed span
};

struct RunLoopResult {
  std::int64_t origin_ns = 0;  // time zero, on rank 0's clock
  std::vector<ClockSample> clock_samples;
  int iterations = 0;   // timed iterations completed and recorded on every rank
  int stop_signal = 0;  // nonzero: the job agreed to stop early on this signal
  bool duration_reached = false;  // the job agreed that --duration had passed (no signal)
};

// Runs op `index` of the plan: device ops go to the device, comm ops to the
// communicator (on the device's buffers), idle ops busy-wait `idle_ns`.
void execute_op(std::size_t index, const Op& op, Device& device, Communicator& comm, std::int64_t idle_ns);

// Collective over MPI_COMM_WORLD. Warm-up, then a world barrier after which
// rank 0's clock defines time zero, then the timed loop. `clock` is the
// estimate taken before; later estimates replace it between iterations.
// After every iteration the ranks agree whether a stop signal came
// (runtime/graceful_stop.hpp); if so the loop ends early with every rank
// holding the same iterations.
RunLoopResult run_plan(const Plan& plan, Device& device, Communicator& comm, Recorder& recorder,
                       const ClockEstimate& clock, const RunLoopOptions& options);

}  // namespace flopwall
