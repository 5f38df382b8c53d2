#pragma once
// Everything `flopwall run` was asked to do, after parsing and defaults.
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.hpp"
#include "model/model_shape.hpp"
#include "model/run_mode.hpp"
#include "model/serve_plan.hpp"
#include "cli/train_options.hpp"
#include "runtime/injection.hpp"

namespace flopwall {

struct RunConfig {
  std::string backend;  // "cpu", "cuda", or empty for the default
  std::string model = "tiny";
  ModelShape shape;
  RunMode mode = RunMode::prefill;  // --mode
  ServeShape serve;                 // --mode serve only: prompt, decode steps, hit rate, requests
  std::int64_t serve_max_requests = 0;  // the largest --requests the memory holds; 0: not known
  int tp = 0;  // 0: the world size
  int ep = 0;  // expert-parallel degree; 0 without --moe-experts (cli/moe_options.hpp)
  std::string moe_skew = "uniform";  // as given: uniform | zipf:S
  DType dtype = DType::fp32;
  int iterations = 20;
  // --duration: the timed loop ends after the iteration that passes this
  // many seconds (0: no bound); --iters is then the most iterations, and
  // without it as many as k_duration_events_per_rank events hold.
  double duration_s = 0;
  std::string topology;  // --topology: a preset (runtime/topology_presets.hpp), applied before MPI_Init; "" none
  bool iterations_given = false;  // --iters on the command line or in --config
  int warmup = 3;
  int threads = 1;  // OpenBLAS threads per rank
  double timeout_s = 300;  // seconds without progress before the job ends (hang locator, GPU waits)
  std::string out;  // empty: results/<UTC timestamp>-run.h5
  bool overwrite = false;  // replace an existing --out file
  std::string config_file;
  std::string calibration_file;  // empty: a short calibration is measured (cli/calibration_job.hpp)
  bool quiet = false;
  int inject_failure_rank = -1;
  int resync_every = 100;  // iterations between clock-offset estimates; 0: once
  InjectionConfig injection;  // a rank that throws before the timed loop (tests the abort path)
  TrainConfig train;  // the training-step flags (--mode train)
  bool help = false;
  std::string help_text;
};

// Parses `flopwall run` arguments (argv without the program and subcommand)
// and an optional INI config file; command-line values win over the file.
// Throws UsageError with one line on bad input.
RunConfig parse_run_options(const std::vector<std::string>& args);

// The resolved configuration as stored in the trace's config_json.
std::string run_config_json(const RunConfig& config, const ParallelLayout& layout);

}  // namespace flopwall
