#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <climits>
#include <limits>
#include <sstream>

#include "cli/input_limits.hpp"
#include "cli/moe_options.hpp"
#include "cli/run_config.hpp"
#include "core/error.hpp"
#include "runtime/backends.hpp"
#include "model/plan_size.hpp"

namespace flopwall {
namespace po = boost::program_options;

namespace {

// The keys shared by the command line and the config file. Numbers are read
// as text and converted by input_limits, so a bad one gets its range named.
po::options_description run_settings() {
  po::options_description d("Run options (also valid as 'key = value' lines in a --config file)");
  d.add_options()
      ("backend", po::value<std::string>(), "cpu | cuda (default: cuda when built and a device is visible, else cpu)")
      ("model", po::value<std::string>()->default_value("tiny"), "preset: tiny, gpt3-1.3b, llama2-7b (docs/models.md)")
      ("hidden", po::value<std::string>(), "hidden size h (overrides the preset)")
      ("heads", po::value<std::string>(), "attention heads")
      ("ffn", po::value<std::string>(), "MLP inner size f")
      ("layers", po::value<std::string>(), "transformer blocks per iteration")
      ("seq", po::value<std::string>(), "sequence length s")
      ("batch", po::value<std::string>(), "sequences per data-parallel replica")
      ("mode", po::value<std::string>()->default_value("prefill"), "prefill (one forward pass) | serve (prefill "
                                                                    "against a prefix cache, then decode steps) | "
                                                                    "train (forward, backward, gradient allreduce)")
      ("prompt-len", po::value<std::string>(), "serve: prompt tokens per request")
      ("decode-steps", po::value<std::string>(), "serve: tokens decoded per request, one per step")
      ("kv-hit", po::value<std::string>(), "serve: prefix-cache hit rate in [0, 1] (cached prompt tokens are not "
                                           "recomputed)")
      ("requests", po::value<std::string>(), "serve: concurrent requests per data-parallel replica (default: --batch)")
      ("tp", po::value<std::string>(), "tensor-parallel degree (default: world size); further ranks are DP replicas")
      ("dtype", po::value<std::string>()->default_value("fp32"), "fp32 | fp64 | bf16 (cpu); fp32 | tf32 | fp16 | bf16 | fp8 (cuda)")
      ("iters", po::value<std::string>()->default_value("20"), "timed iterations (with --duration: the most)")
      ("topology", po::value<std::string>(), "a preset of NCCL or MPI variables, set before communicators exist: "
                                             "default, nvls, ring, tree, no-p2p, no-shm, net-only, socket (cuda); "
                                             "shm, tcp (cpu). docs/topologies.md")
      ("duration", po::value<std::string>(), "seconds: end the timed loop after the iteration that passes them "
                                             "(as a graceful stop does; iterations up to --iters)")
      ("warmup", po::value<std::string>()->default_value("3"), "untimed warm-up iterations")
      ("threads", po::value<std::string>()->default_value("1"), "OpenBLAS threads per rank (cpu)")
      ("timeout", po::value<std::string>()->default_value("300"), "seconds without progress (an op, an iteration, a "
                                                                    "communicator) before the job ends, naming the op it "
                                                                    "waited in")
      ("out", po::value<std::string>(), "trace file (default: results/<UTC timestamp>-run.h5)")
      ("overwrite", po::bool_switch(), "replace an existing --out file")
      ("quiet", po::bool_switch(), "no progress on stderr")
      ("resync-every", po::value<std::string>()->default_value("100"), "re-estimate clock offsets every N iterations (0: once)")
      ("inject-delay", po::value<std::string>(), "RANK:MICROSECONDS[:EVERY]: that rank busy-waits before the first "
                                                 "compute op of every EVERY-th iteration (default every one)")
      ("inject-jitter", po::value<std::string>(), "MICROSECONDS: every rank busy-waits an exponentially distributed time "
                                                  "with this mean each iteration (seeded)")
      ("calibration", po::value<std::string>(), "FILE from 'flopwall calibrate': store it in the trace instead of "
                                                "measuring a short calibration before the timed loop");;
  d.add(moe_settings());
  return d;
}

// Test hooks: accepted on the command line, not shown by --help.
po::options_description hidden_settings() {
  po::options_description d;
  d.add_options()("inject-failure", po::value<std::string>(), "RANK throws a run-time error before the timed loop, to "
                                                              "check that one failing rank ends the whole job");
  return d;
}

constexpr std::int64_t k_int_max = INT_MAX;
constexpr std::int64_t k_int64_max = std::numeric_limits<std::int64_t>::max();

int int_option(const po::variables_map& vm, const char* key, std::int64_t lo, std::int64_t hi) {
  return static_cast<int>(parse_integer_option(vm[key].as<std::string>(), fmt::format("--{}", key), lo, hi));
}

// A shape flag overrides the preset; its upper bound is what the plan's
// arithmetic and the memory check allow (validate_layout, input_limits).
void apply_override(const po::variables_map& vm, const char* key, std::int64_t hi, std::int64_t& field) {
  if (vm.count(key)) field = parse_integer_option(vm[key].as<std::string>(), fmt::format("--{}", key), 1, hi);
}

// --mode and its serve flags: the flags without --mode serve are refused,
// since they would be silently ignored; with it, the three are required.
void parse_serve_options(const po::variables_map& vm, RunConfig& cfg) {
  cfg.mode = parse_run_mode(vm["mode"].as<std::string>());
  static constexpr const char* k_serve_flags[] = {"prompt-len", "decode-steps", "kv-hit", "requests"};
  if (cfg.mode != RunMode::serve) {
    for (const char* flag : k_serve_flags)
      if (vm.count(flag))
        throw UsageError(fmt::format("--{} is a serve flag; give it with --mode serve (the mode is {})", flag,
                                     run_mode_name(cfg.mode)));
    return;
  }
  for (const char* flag : {"prompt-len", "decode-steps", "kv-hit"})
    if (!vm.count(flag))
      throw UsageError(fmt::format("--mode serve needs --{}; give --prompt-len, --decode-steps and --kv-hit", flag));
  ServeShape& v = cfg.serve;
  v.prompt_len = parse_integer_option(vm["prompt-len"].as<std::string>(), "--prompt-len", 1, k_int64_max);
  v.decode_steps = parse_integer_option(vm["decode-steps"].as<std::string>(), "--decode-steps", 1, k_int_max);
  v.kv_hit = parse_real_option(vm["kv-hit"].as<std::string>(), "--kv-hit", 0, false, 1, "a hit rate");
  v.requests = vm.count("requests")
                   ? parse_integer_option(vm["requests"].as<std::string>(), "--requests", 1, k_int64_max)
                   : cfg.shape.batch;
  validate_serve_shape(v);
}

}  // namespace

RunConfig parse_run_options(const std::vector<std::string>& args) {
  po::options_description settings = run_settings();
  settings.add(train_settings());
  po::options_description cli("Usage: flopwall run [options]\n\nGeneral");
  cli.add_options()("help,h", "show this help")("config", po::value<std::string>(), "INI file with the same keys");
  cli.add(settings);
  po::options_description accepted;
  accepted.add(cli).add(hidden_settings());

  RunConfig cfg;
  po::variables_map vm;
  try {
    const po::parsed_options parsed = po::command_line_parser(args).options(accepted).run();
    for (const po::option& o : parsed.options)
      if (o.position_key >= 0) refuse_positional("run", o.value.empty() ? o.string_key : o.value.front());
    po::store(parsed, vm);
    if (vm.count("help")) {
      std::ostringstream text;
      text << cli;
      cfg.help = true;
      cfg.help_text = text.str();
      return cfg;
    }
    if (vm.count("config")) {
      cfg.config_file = vm["config"].as<std::string>();
      std::istringstream file(read_config_file(cfg.config_file));
      po::store(po::parse_config_file(file, settings), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("flopwall run: {}; see 'flopwall run --help'", e.what()));
  }

  cfg.model = vm["model"].as<std::string>();
  cfg.shape = model_preset(cfg.model);
  apply_override(vm, "hidden", k_int64_max, cfg.shape.hidden);
  apply_override(vm, "heads", k_int64_max, cfg.shape.heads);
  apply_override(vm, "ffn", k_int64_max, cfg.shape.ffn);
  apply_override(vm, "layers", k_max_layers, cfg.shape.layers);
  apply_override(vm, "seq", k_int64_max, cfg.shape.seq);
  apply_override(vm, "batch", k_int64_max, cfg.shape.batch);
  parse_serve_options(vm, cfg);
  if (vm.count("backend")) {
    cfg.backend = vm["backend"].as<std::string>();
    if (!is_backend_name(cfg.backend))
      throw UsageError(fmt::format("--backend '{}' is not valid; valid: {}", cfg.backend, backend_names()));
  }
  if (vm.count("tp")) cfg.tp = int_option(vm, "tp", 1, k_int_max);
  cfg.dtype = parse_dtype(vm["dtype"].as<std::string>());
  cfg.iterations = int_option(vm, "iters", 1, limits::k_max_iters);
  cfg.iterations_given = !vm["iters"].defaulted();
  if (vm.count("topology")) cfg.topology = vm["topology"].as<std::string>();
  if (vm.count("duration"))
    cfg.duration_s = parse_real_option(vm["duration"].as<std::string>(), "--duration", 0, true,
                                       limits::k_max_timeout_s, "a finite number of seconds");
  cfg.warmup = int_option(vm, "warmup", 0, limits::k_max_warmup);
  cfg.threads = int_option(vm, "threads", 1, limits::k_max_threads);
  cfg.timeout_s = parse_real_option(vm["timeout"].as<std::string>(), "--timeout", 0, true, limits::k_max_timeout_s,
                                    "a finite number of seconds");
  if (vm.count("out")) {
    cfg.out = vm["out"].as<std::string>();
    if (cfg.out.empty()) throw UsageError("--out '' is not valid; give a file path such as results/run.h5");
  }
  cfg.overwrite = vm["overwrite"].as<bool>();
  cfg.quiet = vm["quiet"].as<bool>();
  cfg.resync_every = int_option(vm, "resync-every", 0, k_int_max);
  if (vm.count("inject-delay")) parse_inject_delay(vm["inject-delay"].as<std::string>(), cfg.injection);
  if (vm.count("inject-jitter"))
    cfg.injection.jitter_mean_us = parse_real_option(vm["inject-jitter"].as<std::string>(), "--inject-jitter", 0, false,
                                                     k_max_injected_us, "a finite mean in microseconds");
  if (vm.count("calibration")) {
    cfg.calibration_file = vm["calibration"].as<std::string>();
    if (cfg.calibration_file.empty())
      throw UsageError("--calibration '' is not valid; give a JSON file written by 'flopwall calibrate --out'");
  }
  parse_moe_options(vm, cfg);
  // The serve and training plans build dense blocks only (model/serve_plan.cpp, model/training_plan.cpp).
  if (cfg.mode != RunMode::prefill && cfg.shape.moe.experts > 0)
    throw UsageError(fmt::format("--moe-experts {} with --mode {} is not supported: that mode runs dense blocks "
                                 "only; drop --moe-experts or use --mode prefill",
                                 cfg.shape.moe.experts, run_mode_name(cfg.mode)));
  cfg.train = parse_train_options(vm, cfg.mode);
  // The dtypes the backends' backward kernels run are checked once the backend is known (check_train_dtype).
  if (vm.count("inject-failure")) cfg.inject_failure_rank = int_option(vm, "inject-failure", 0, k_int_max);
  // Shapes are checked once the world size is known (validate_layout).
  return cfg;
}

std::string run_config_json(const RunConfig& c, const ParallelLayout& layout) {
  nlohmann::json j = {
      {"backend", c.backend},       {"model", c.model},           {"hidden", c.shape.hidden},
      {"heads", c.shape.heads},     {"ffn", c.shape.ffn},         {"layers", c.shape.layers},
      {"seq", c.shape.seq},         {"batch", c.shape.batch},     {"tp", layout.tp},
      {"dp", layout.dp()},          {"world_size", layout.world_size},
      {"dtype", std::string(dtype_name(c.dtype))},
      {"iters", c.iterations},      {"warmup", c.warmup},         {"threads", c.threads},
      {"timeout_s", c.timeout_s},   {"resync_every", c.resync_every},
      {"inject_delay_rank", c.injection.delay_rank}, {"inject_delay_us", c.injection.delay_us},
      {"inject_delay_every", c.injection.delay_every}, {"inject_jitter_us", c.injection.jitter_mean_us},
      {"out", c.out},               {"overwrite", c.overwrite},   {"config_file", c.config_file}};
  add_moe_config_json(j, c);
  if (c.duration_s > 0) j["duration_s"] = c.duration_s;
  if (!c.topology.empty()) j["topology"] = c.topology;
  j["mode"] = std::string(run_mode_name(c.mode));
  if (c.mode == RunMode::serve) {
    // What the report's serve section derives its figures from (docs/metrics.md, "Serve mode").
    j["prompt_len"] = c.serve.prompt_len;
    j["decode_steps"] = c.serve.decode_steps;
    j["kv_hit"] = c.serve.kv_hit;
    j["requests"] = c.serve.requests;
    j["cached_tokens"] = c.serve.cached_tokens();
    j["kv_bytes_per_token"] = kv_bytes_per_token(c.shape, c.dtype);
    j["max_batch_for_memory"] = c.serve_max_requests;  // 0: not known (cuda refuses at make_device instead)
  }
  if (c.mode == RunMode::train) {
    j["grad_bucket_mb"] = c.train.grad_bucket_mb;
    j["sequence_parallel"] = c.train.options.sequence_parallel;
    j["overlap_grad_reduce"] = c.train.options.overlap_grad_reduce;
  }
  return j.dump();
}

}  // namespace flopwall
