#pragma once
// One execution of the workload on this job: what `flopwall run` does once
// and `flopwall sweep` once per point. Checking a configuration (every rank
// agrees, before anything is allocated) is apart from running it, so a sweep
// checks all its points before the first one runs.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/run_config.hpp"
#include "model/plan.hpp"
#include "platform/mpi_environment.hpp"
#include "runtime/hang_locator.hpp"
#include "runtime/machine_survey.hpp"
#include "runtime/runner.hpp"
#include "trace/calibration_json.hpp"
#include "trace/recorder.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

struct CheckedRun {
  RunConfig cfg;
  ParallelLayout layout;
  std::string backend_note;  // said once by rank 0 when the backend was chosen for the user
};

// Collective over the world: parses `args` as `flopwall run`'s options and
// checks them against this job (layout, counts, backend, memory of every
// node). Any fault is the same UsageError on every rank. With --help only
// cfg.help and cfg.help_text are meaningful. The output path is not checked
// here: `run` and `sweep` name their files differently.
CheckedRun check_run(const MpiEnvironment& mpi, const std::vector<std::string>& args);

// What a job measures once, whatever number of runs it makes: the machine
// (after the first run's transports are up) and the calibration (after its
// device is prepared, before anything is timed), or the --calibration file.
struct JobMeasurements {
  std::optional<MachineSurvey> machine;
  std::optional<Calibration> calibration;
};

// One run's results on this rank, ready for the trace.
struct RunOutcome {
  std::vector<OpInfo> ops;  // the vocabulary of /ops
  RankInfo rank;            // this rank's group of the trace
  Recorder recorder;        // the timed events
  RunLoopResult loop;       // iterations completed, stop signal
  std::string moe_json;     // rank 0, MoE runs only: /meta moe_json
  // Still watching: the caller covers the trace's write with it
  // (Phase::trace_write), then stops it.
  std::unique_ptr<HangLocator> locator;
};

// Collective over the world: plans, prepares, measures what `once` lacks,
// runs the timed loop. The run's errors carry the hang locator's status line.
RunOutcome execute_run(const MpiEnvironment& mpi, const CheckedRun& run, JobMeasurements& once);

// The /meta a trace of this job carries: versions, host, job, backend,
// threads, machine and calibration (rank 0's), and the topology NCCL saw.
KeyValues job_meta(const MpiEnvironment& mpi, const RunConfig& cfg, const JobMeasurements& once);

}  // namespace flopwall
