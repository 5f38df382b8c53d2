#pragma once
// Executes a plan: warm-up iterations, then timed ones into the Recorder.
#include "backend/device.hpp"
#include "collectives/communicator.hpp"
#include "runtime/clock_sync.hpp"
#include "trace/recorder.hpp"

namespace flopwall {

struct RunLoopOptions {
  int iterations = 0;
  int warmup = 0;
  bool progress = true;  // only rank 0 passes true
};

// Runs one op: comm ops go to the communicator, the rest to the device.
void execute_op(const Op& op, Device& device, Communicator& comm, DType dtype);

// Collective. Warm-up, then a world barrier after which rank 0's clock
// defines time zero, then the timed loop. Returns the origin on rank 0's clock.
std::int64_t run_plan(const Plan& plan, Device& device, Communicator& comm, Recorder& recorder,
                      const ClockEstimate& clock, const RunLoopOptions& options);

}  // namespace flopwall
