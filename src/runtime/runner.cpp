#include "runtime/runner.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <variant>
#include <vector>

#include "platform/steady_timer.hpp"
#include "runtime/graceful_stop.hpp"
#include "runtime/injection.hpp"
#include "platform/mpi_check.hpp"
#include "runtime/progress.hpp"
#include "runtime/time_origin.hpp"
#include "core/overloaded.hpp"

namespace flopwall {
namespace {

std::string op_context(const Op& op, int iteration) {
  return fmt::format("in op {} (layer {}, iteration {})", op.name, op.layer, iteration);
}

// One iteration, then wait for it: a GPU's queue never runs ahead of the
// host, and a hang or a transport failure surfaces here naming the op.
void run_iteration(const Plan& plan, Device& device, Communicator& comm, OpTimer& timer, int iteration,
                   std::int64_t idle_ns, std::span<OpSpan> spans, HangLocator* locator) {
  for (std::size_t i = 0; i < plan.ops.size(); ++i) {
    const Op& op = plan.ops[i];
    if (locator) locator->issued(static_cast<int>(i), iteration);
    timer.begin(i);
    try {
      execute_op(i, op, device, comm, idle_ns);
      // A collective in flight advances only when MPI is called: poll after
      // every op, inside its span (docs/metrics.md, "Overlapped gradient allreduce").
      if (comm.in_flight()) comm.progress();
    } catch (const std::exception& e) {  // a launch or an enqueue refused
      throw std::runtime_error(fmt::format("{} {}", e.what(), op_context(op, iteration)));
    }
    timer.end(i);
    if (locator) locator->completed();
  }
  try {
    timer.resolve(spans);
  } catch (const OpFailure& f) {
    throw std::runtime_error(fmt::format("{} {}", f.what(), op_context(plan.ops.at(f.op_index()), iteration)));
  }
}

ClockSample sample(int iter, const ClockEstimate& c) {
  return {.iter = iter, .pad_ = 0, .offset_ns = c.offset_ns, .error_ns = c.error_ns};
}

}  // namespace

void execute_op(std::size_t index, const Op& op, Device& device, Communicator& comm, std::int64_t idle_ns) {
  std::visit(Overloaded{
                 [&](const DeviceOp& d) { device.execute(index, d); },
                 [&](const CommOp& c) {
                   const std::int64_t skip = c.offset * element_type_size(c.call.type);
                   char* recv = static_cast<char*>(device.buffer(c.recv)) + skip;
                   switch (c.phase) {
                     case CommPhase::start: comm.start_allreduce(op.group, c.slot, c.call, recv); return;
                     case CommPhase::wait: comm.wait(op.group, c.slot); return;
                     case CommPhase::blocking: break;
                   }
                   comm.issue(op.group, c.call, static_cast<char*>(device.buffer(c.send)) + skip, recv);
                 },
                 [&](const IdleOp&) { busy_wait_ns(idle_ns); },
                 [&](const AllToAllVOp& a) {
                   comm.alltoallv(op.group, device.buffer(a.send), *a.send_counts, *a.send_displs, device.buffer(a.recv),
                                  *a.recv_counts, *a.recv_displs, a.type);
                 },
             },
             op.params);
}

RunLoopResult run_plan(const Plan& plan, Device& device, Communicator& comm, Recorder& recorder,
                       const ClockEstimate& clock, const RunLoopOptions& options) {
  OpTimer& timer = device.timer();
  RunLoopResult result;
  StopAgreement stop(MPI_COMM_WORLD);
  std::vector<OpSpan> warmup_spans(plan.ops.size());
  for (int i = 0; i < options.warmup; ++i) {
    run_iteration(plan, device, comm, timer, i - options.warmup, 0, warmup_spans, options.locator);
    if ((result.stop_signal = stop.after_iteration().signal) != 0) {
      stop.finish();
      return result;
    }
  }

  result.clock_samples.reserve(static_cast<std::size_t>(
      1 + (options.resync_every > 0 ? options.iterations / options.resync_every : 0)));
  result.clock_samples.push_back(sample(0, clock));
  if (options.locator) options.locator->begin_phase(HangLocator::Phase::barrier, 0);
  result.origin_ns = common_time_origin(MPI_COMM_WORLD, clock);
  recorder.set_timeline(clock.offset_ns, result.origin_ns);
  if (options.locator) options.locator->end_phase();

  Progress progress(options.iterations, options.progress);
  const std::int64_t loop_start_ns = steady_now_ns();
  const auto duration_ns = static_cast<std::int64_t>(options.duration_s * 1e9);
  for (int it = 0; it < options.iterations; ++it) {
    // Between iterations, outside every timed op: a fresh offset keeps the
    // ranks' drift from accumulating into the skews.
    if (options.resync_every > 0 && it > 0 && it % options.resync_every == 0) {
      if (options.locator) options.locator->begin_phase(HangLocator::Phase::clock_sync, it);
      const ClockEstimate now = estimate_clock_offset(MPI_COMM_WORLD);
      recorder.set_timeline(now.offset_ns, result.origin_ns);
      result.clock_samples.push_back(sample(it, now));
      // Rank 0 served the peers one after another: start the next iteration together.
      comm.barrier(CommGroup::world);
      if (options.locator) options.locator->end_phase();
    }
    const std::int64_t idle = options.injected_delay_ns.empty() ? 0 : options.injected_delay_ns[static_cast<std::size_t>(it)];
    run_iteration(plan, device, comm, timer, it, idle, recorder.next_spans(), options.locator);
    recorder.commit(it);
    result.iterations = it + 1;
    const std::int64_t elapsed_ns = steady_now_ns() - loop_start_ns;
    progress.update(it + 1, elapsed_ns);
    if (const StopVerdict verdict = stop.after_iteration(duration_ns > 0 && elapsed_ns >= duration_ns)) {
      result.stop_signal = verdict.signal;
      result.duration_reached = verdict.signal == 0;
      break;
    }
  }
  stop.finish();
  progress.finish();
  return result;
}

}  // namespace flopwall
