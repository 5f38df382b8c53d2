#include "runtime/runner.hpp"

#include <variant>

#include "backend/steady_timer.hpp"
#include "runtime/mpi_check.hpp"
#include "runtime/progress.hpp"

namespace flopwall {
namespace {

void run_iteration(const Plan& plan, Device& device, Communicator& comm, OpTimer& timer) {
  for (std::size_t i = 0; i < plan.ops.size(); ++i) {
    timer.begin(i);
    execute_op(plan.ops[i], device, comm, plan.dtype);
    timer.end(i);
  }
}

}  // namespace

void execute_op(const Op& op, Device& device, Communicator& comm, DType dtype) {
  if (const auto* ar = std::get_if<AllReduceOp>(&op.params))
    comm.allreduce_sum(device.buffer(ar->x), ar->count, dtype, op.group);
  else
    device.execute(op);
}

std::int64_t run_plan(const Plan& plan, Device& device, Communicator& comm, Recorder& recorder,
                      const ClockEstimate& clock, const RunLoopOptions& options) {
  OpTimer& timer = device.timer();
  for (int i = 0; i < options.warmup; ++i) run_iteration(plan, device, comm, timer);

  comm.barrier(CommGroup::world);
  std::int64_t origin_ns = steady_now_ns() - clock.offset_ns;  // on rank 0's clock
  FLOPWALL_MPI_CHECK(MPI_Bcast(&origin_ns, 1, MPI_INT64_T, 0, MPI_COMM_WORLD));
  recorder.set_timeline(clock.offset_ns, origin_ns);

  Progress progress(options.iterations, options.progress);
  const std::int64_t loop_start_ns = steady_now_ns();
  for (int it = 0; it < options.iterations; ++it) {
    run_iteration(plan, device, comm, timer);
    recorder.commit(it, timer);
    progress.update(it + 1, steady_now_ns() - loop_start_ns);
  }
  progress.finish();
  return origin_ns;
}

}  // namespace flopwall
