#include "runtime/runner.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <variant>
#include <vector>

#include "backend/steady_timer.hpp"
#include "runtime/mpi_check.hpp"
#include "runtime/progress.hpp"

namespace flopwall {
namespace {

// One iteration, then wait for it: a GPU's queue never runs ahead of the
// host, and a hang surfaces here as a timeout naming the op.
void run_iteration(const Plan& plan, Device& device, Communicator& comm, OpTimer& timer, int iteration,
                   std::span<OpSpan> spans) {
  for (std::size_t i = 0; i < plan.ops.size(); ++i) {
    timer.begin(i);
    execute_op(plan.ops[i], device, comm, plan.dtype);
    timer.end(i);
  }
  try {
    timer.resolve(spans);
  } catch (const OpTimeout& t) {
    const Op& op = plan.ops.at(t.op_index());
    throw std::runtime_error(fmt::format("timed out after {:.1f} s waiting in op {} (layer {}, iteration {})",
                                         t.waited_s(), op.name, op.layer, iteration));
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
  std::vector<OpSpan> warmup_spans(plan.ops.size());
  for (int i = 0; i < options.warmup; ++i) run_iteration(plan, device, comm, timer, i - options.warmup, warmup_spans);

  comm.barrier(CommGroup::world);
  std::int64_t origin_ns = steady_now_ns() - clock.offset_ns;  // on rank 0's clock
  FLOPWALL_MPI_CHECK(MPI_Bcast(&origin_ns, 1, MPI_INT64_T, 0, MPI_COMM_WORLD));
  recorder.set_timeline(clock.offset_ns, origin_ns);

  Progress progress(options.iterations, options.progress);
  const std::int64_t loop_start_ns = steady_now_ns();
  for (int it = 0; it < options.iterations; ++it) {
    run_iteration(plan, device, comm, timer, it, recorder.next_spans());
    recorder.commit(it);
    progress.update(it + 1, steady_now_ns() - loop_start_ns);
  }
  progress.finish();
  return origin_ns;
}

}  // namespace flopwall
