#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iterator>

#include "analysis/report_printers.hpp"
#include "core/units.hpp"
#include "trace/trace_validation.hpp"

namespace flopwall {
namespace {

std::string meta_value(const KeyValues& kv, const std::string& key) {
  for (const auto& [k, v] : kv)
    if (k == key) return v;
  return "unknown";
}

// Figures that cannot be derived (no FLOPs, no bytes) print as "-".
std::string rate(double v) { return v > 0 ? fmt::format("{:.2f}", v) : "-"; }

// A config value as text: strings as they are, numbers as JSON writes them,
// `fallback` when the key is absent or of another type (the reader refuses
// such a config_json; printing still never throws on one).
std::string config_text(const nlohmann::json& c, const char* key, bool numeric, const char* fallback) {
  const auto it = c.find(key);
  if (it == c.end()) return fallback;
  if (!numeric && it->is_string()) return it->get<std::string>();
  if (numeric && it->is_number_integer()) return it->dump();
  return fallback;
}

void print_model(std::back_insert_iterator<std::string> out, const std::string& config_json) {
  // Nesting is bounded before parsing: destroying a parsed value recurses per level.
  if (trace_checks::json_nesting_depth(config_json, trace_checks::k_max_json_depth) > trace_checks::k_max_json_depth)
    return;
  const auto c = nlohmann::json::parse(config_json, nullptr, false);
  if (c.is_discarded() || !c.is_object()) return;
  const auto text = [&](const char* key) { return config_text(c, key, false, "?"); };
  const auto number = [&](const char* key) { return config_text(c, key, true, "0"); };
  fmt::format_to(out,
                 "model      {} : hidden {} heads {} ffn {} layers {} seq {} batch {} | tp {} dp {} | {} | "
                 "{} timed + {} warm-up iterations\n",
                 text("model"), number("hidden"), number("heads"), number("ffn"), number("layers"), number("seq"),
                 number("batch"), number("tp"), number("dp"), text("dtype"), number("iters"), number("warmup"));
}

}  // namespace

std::string render_text(const RunReport& r) {
  std::string s;
  auto out = std::back_inserter(s);
  const auto& h = r.header;
  fmt::format_to(out, "flopwall report  {}\n", r.path);
  fmt::format_to(out, "run        {} ranks, backend {}, {} iterations, created {}{}\n", r.world_size, h.backend,
                 r.iterations, h.created_utc, h.truncated ? " (truncated: stopped early, by a signal)" : "");
  print_model(out, h.config_json);
  fmt::format_to(out, "\nFLOPs are the plan, seconds are the truth:\n");
  fmt::format_to(out, "  model FLOPs per iteration   {}\n", units::flops(r.model_flops_per_iter));
  fmt::format_to(out, "  step time (slowest rank)    p50 {}   p99 {}   max {}   mean {}\n",
                 units::seconds(r.step_time_s.p50), units::seconds(r.step_time_s.p99),
                 units::seconds(r.step_time_s.max), units::seconds(r.step_time_s.mean));
  fmt::format_to(out, "  achieved                    {} per rank, {} in all (model FLOPs / p50 step)\n",
                 units::flop_rate(r.tflops_per_rank * 1e12), units::flop_rate(r.flops_per_s_total));

  fmt::format_to(out, "\n{:<16} {:<8} {:>8} {:>10} {:>10} {:>10} {:>9} {:>9} {:>10} {:>7}\n", "op", "kind", "count",
                 "mean", "p50", "p99", "GFLOP/s", "mem GB/s", "busbw GB/s", "share");
  for (const OpReport& op : r.ops)
    fmt::format_to(out, "{:<16} {:<8} {:>8} {:>10} {:>10} {:>10} {:>9} {:>9} {:>10} {:>6.1f}%\n", op.name, op_kind_name(op.kind),
                   op.count, units::seconds(op.time_s.mean), units::seconds(op.time_s.p50),
                   units::seconds(op.time_s.p99), rate(op.gflops_per_s), rate(op.mem_gbytes_per_s),
                   rate(op.comm_gbytes_per_s), 100.0 * op.share);

  fmt::format_to(out, "\nper rank, mean per iteration\n{:>5} {:<16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}\n",
                 "rank", "host", "span", "compute", "memory", "comm", "other", "clock err");
  for (const RankReport& k : r.ranks)
    fmt::format_to(out, "{:>5} {:<16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}\n", k.rank, k.hostname,
                   units::seconds(k.span_s), units::seconds(k.compute_s), units::seconds(k.memory_s),
                   units::seconds(k.comm_s), units::seconds(k.other_s),
                   units::seconds(static_cast<double>(k.clock_error_ns) / units::k_ns_per_s));

  s += render_sync_text(r.sync);

  fmt::format_to(out, "\nhardware and software\n");
  std::string last_device;
  for (const RankReport& k : r.ranks)
    if (k.device != last_device) {
      fmt::format_to(out, "  rank {:<5} {} on {}\n", k.rank, k.device, k.hostname);
      last_device = k.device;
    }
  for (const char* key : {"tool_version", "git_revision", "mpi_library", "hdf5", "openblas", "compiler"})
    fmt::format_to(out, "  {:<14} {}\n", key, meta_value(h.meta, key));
  // The GPU stack, when the run used it.
  if (h.backend == "cuda")
    for (const char* key : {"cuda_runtime", "cuda_driver", "cublaslt", "nccl"})
      fmt::format_to(out, "  {:<14} {}\n", key, meta_value(h.meta, key));
  return s;
}

}  // namespace flopwall
