#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "cli/run_config.hpp"
#include "core/error.hpp"

namespace flopwall {
namespace po = boost::program_options;

namespace {

// The keys shared by the command line and the config file.
po::options_description run_settings() {
  po::options_description d("Run options (also valid as 'key = value' lines in a --config file)");
  d.add_options()
      ("backend", po::value<std::string>(), "cpu | cuda (default: cuda when built and a device is visible, else cpu)")
      ("model", po::value<std::string>()->default_value("tiny"), "preset: tiny, gpt3-1.3b, llama2-7b (docs/models.md)")
      ("hidden", po::value<std::int64_t>(), "hidden size h (overrides the preset)")
      ("heads", po::value<std::int64_t>(), "attention heads")
      ("ffn", po::value<std::int64_t>(), "MLP inner size f")
      ("layers", po::value<std::int64_t>(), "transformer blocks per iteration")
      ("seq", po::value<std::int64_t>(), "sequence length s")
      ("batch", po::value<std::int64_t>(), "sequences per data-parallel replica")
      ("tp", po::value<int>(), "tensor-parallel degree (default: world size); further ranks are DP replicas")
      ("dtype", po::value<std::string>()->default_value("fp32"), "fp32 | fp64 (cpu); fp32 | tf32 | fp16 | bf16 | fp8 (cuda)")
      ("iters", po::value<int>()->default_value(20), "timed iterations")
      ("warmup", po::value<int>()->default_value(3), "untimed warm-up iterations")
      ("threads", po::value<int>()->default_value(1), "OpenBLAS threads per rank (cpu)")
      ("timeout", po::value<double>()->default_value(300), "seconds without progress (an op, an iteration, a communicator) before "
                                                           "the job ends, naming the op it waited in")
      ("out", po::value<std::string>(), "trace file (default: results/<UTC timestamp>-run.h5)")
      ("quiet", po::bool_switch(), "no progress on stderr")
      ("resync-every", po::value<int>()->default_value(100), "re-estimate clock offsets every N iterations (0: once)")
      ("inject-delay", po::value<std::string>(), "RANK:MICROSECONDS[:EVERY]: that rank busy-waits before the first "
                                                 "compute op of every EVERY-th iteration (default every one)")
      ("inject-jitter", po::value<double>(), "MICROSECONDS: every rank busy-waits an exponentially distributed time "
                                             "with this mean each iteration (seeded)")
      ("inject-failure", po::value<int>(), "RANK throws a run-time error before the timed loop, to check that "
                                           "one failing rank ends the whole job");
  return d;
}

void apply_override(const po::variables_map& vm, const char* key, std::int64_t& field) {
  if (vm.count(key)) field = vm[key].as<std::int64_t>();
}

void require_at_least(int value, int minimum, const char* flag) {
  if (value < minimum)
    throw UsageError(fmt::format("--{} {} is not valid; it must be an integer >= {}", flag, value, minimum));
}

}  // namespace

RunConfig parse_run_options(const std::vector<std::string>& args) {
  po::options_description settings = run_settings();
  po::options_description cli("Usage: flopwall run [options]\n\nGeneral");
  cli.add_options()("help,h", "show this help")("config", po::value<std::string>(), "INI file with the same keys");
  cli.add(settings);

  RunConfig cfg;
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(cli).run(), vm);
    if (vm.count("help")) {
      std::ostringstream text;
      text << cli;
      cfg.help = true;
      cfg.help_text = text.str();
      return cfg;
    }
    if (vm.count("config")) {
      cfg.config_file = vm["config"].as<std::string>();
      std::ifstream file(cfg.config_file);
      if (!file)
        throw UsageError(fmt::format("--config '{}' cannot be read; give a readable INI file", cfg.config_file));
      po::store(po::parse_config_file(file, settings), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("flopwall run: {}; see 'flopwall run --help'", e.what()));
  }

  cfg.model = vm["model"].as<std::string>();
  cfg.shape = model_preset(cfg.model);
  apply_override(vm, "hidden", cfg.shape.hidden);
  apply_override(vm, "heads", cfg.shape.heads);
  apply_override(vm, "ffn", cfg.shape.ffn);
  apply_override(vm, "layers", cfg.shape.layers);
  apply_override(vm, "seq", cfg.shape.seq);
  apply_override(vm, "batch", cfg.shape.batch);
  if (vm.count("backend")) {
    cfg.backend = vm["backend"].as<std::string>();
    if (cfg.backend != "cpu" && cfg.backend != "cuda")
      throw UsageError(fmt::format("--backend '{}' is not valid; valid: cpu, cuda", cfg.backend));
  }
  if (vm.count("tp")) {
    cfg.tp = vm["tp"].as<int>();
    require_at_least(cfg.tp, 1, "tp");
  }
  cfg.dtype = parse_dtype(vm["dtype"].as<std::string>());
  cfg.iterations = vm["iters"].as<int>();
  cfg.warmup = vm["warmup"].as<int>();
  cfg.threads = vm["threads"].as<int>();
  require_at_least(cfg.iterations, 1, "iters");
  require_at_least(cfg.warmup, 0, "warmup");
  require_at_least(cfg.threads, 1, "threads");
  cfg.timeout_s = vm["timeout"].as<double>();
  if (!(cfg.timeout_s > 0))
    throw UsageError(fmt::format("--timeout {} is not valid; it must be a positive number of seconds", cfg.timeout_s));
  if (vm.count("out")) {
    cfg.out = vm["out"].as<std::string>();
    if (cfg.out.empty()) throw UsageError("--out '' is not valid; give a file path such as results/run.h5");
  }
  cfg.quiet = vm["quiet"].as<bool>();
  cfg.resync_every = vm["resync-every"].as<int>();
  require_at_least(cfg.resync_every, 0, "resync-every");
  if (vm.count("inject-delay")) parse_inject_delay(vm["inject-delay"].as<std::string>(), cfg.injection);
  if (vm.count("inject-jitter")) {
    cfg.injection.jitter_mean_us = vm["inject-jitter"].as<double>();
    if (!(cfg.injection.jitter_mean_us >= 0))
      throw UsageError(fmt::format("--inject-jitter {} is not valid; give a mean in microseconds >= 0",
                                   cfg.injection.jitter_mean_us));
  }
  if (vm.count("inject-failure")) {
    cfg.inject_failure_rank = vm["inject-failure"].as<int>();
    require_at_least(cfg.inject_failure_rank, 0, "inject-failure");
  }
  // Shapes are checked once the world size is known (validate_layout).
  return cfg;
}

std::string run_config_json(const RunConfig& c, const ParallelLayout& layout) {
  const nlohmann::json j = {
      {"backend", c.backend},       {"model", c.model},           {"hidden", c.shape.hidden},
      {"heads", c.shape.heads},     {"ffn", c.shape.ffn},         {"layers", c.shape.layers},
      {"seq", c.shape.seq},         {"batch", c.shape.batch},     {"tp", layout.tp},
      {"dp", layout.dp()},          {"world_size", layout.world_size},
      {"dtype", std::string(dtype_name(c.dtype))},
      {"iters", c.iterations},      {"warmup", c.warmup},         {"threads", c.threads},
      {"timeout_s", c.timeout_s},   {"resync_every", c.resync_every},
      {"inject_delay_rank", c.injection.delay_rank}, {"inject_delay_us", c.injection.delay_us},
      {"inject_delay_every", c.injection.delay_every}, {"inject_jitter_us", c.injection.jitter_mean_us},
      {"out", c.out},               {"config_file", c.config_file}};
  return j.dump();
}

}  // namespace flopwall
