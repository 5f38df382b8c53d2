#pragma once
// Runs a collective sweep on every rank: per tier, per collective, per size,
// out-of-place then in-place; times each iteration on each rank, combines
// the ranks' times per iteration (-a), checks results, fits alpha/beta.
#include <memory>
#include <vector>

#include "transport/transport.hpp"
#include "runtime/clock_sync.hpp"
#include "runtime/hang_locator.hpp"
#include "platform/mpi_environment.hpp"
#include "sweep/sweep_result.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

struct SweepTrace {
  std::vector<std::pair<std::string, std::int64_t>> groups;  // this rank's group id per tier
  std::vector<OpInfo> ops;
  std::vector<TraceEvent> events;  // this rank's, on rank 0's timeline
};

// The hang locator's view of a sweep: one op per (tier, collective, size,
// form), whether measured or skipped, named as in the trace.
int sweep_op_count(const SweepConfig& config);
HangLocator::OpLabeler sweep_op_labeler(const SweepConfig& config);

// Collective over MPI_COMM_WORLD. Bad input found only now (root outside a
// tier's communicator, a datatype the transport lacks) is an agreed UsageError.
// Each measured size is an op of `locator` (when given); after each size
// the ranks agree whether a stop signal came, and if so the sweep ends there
// (result.stop_signal).
SweepResult run_sweep(const SweepConfig& config, const std::string& hostname, const TransportFactory& make_engine,
                      const ClockEstimate& clock, SweepTrace& trace, HangLocator* locator = nullptr);

}  // namespace flopwall
