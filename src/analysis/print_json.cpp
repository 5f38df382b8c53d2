#include "analysis/report_printers.hpp"

#include <cmath>
#include <fmt/format.h>

#include "analysis/json_number.hpp"
#include "trace/trace_validation.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;


json summary(const stats::Summary& s) {
  return {{"mean", json_number(s.mean)}, {"p50", json_number(s.p50)}, {"p99", json_number(s.p99)}, {"max", json_number(s.max)}};
}

}  // namespace

json report_json(const RunReport& r) {
  json ops = json::array();
  for (const OpReport& op : r.ops)
    ops.push_back({{"name", op.name}, {"kind", op_kind_name(op.kind)}, {"count", op.count}, {"time_s", summary(op.time_s)},
                   {"gflops_per_s", json_number(op.gflops_per_s)}, {"mem_gbytes_per_s", json_number(op.mem_gbytes_per_s)},
                   {"busbw_gbytes_per_s", json_number(op.comm_gbytes_per_s)}, {"share", json_number(op.share)}});
  json ranks = json::array();
  for (const RankReport& k : r.ranks)
    ranks.push_back({{"rank", k.rank}, {"hostname", k.hostname}, {"device", k.device}, {"span_s", json_number(k.span_s)},
                     {"compute_s", json_number(k.compute_s)}, {"memory_s", json_number(k.memory_s)},
                     {"comm_s", json_number(k.comm_s)}, {"other_s", json_number(k.other_s)},
                     {"clock_offset_ns", k.clock_offset_ns}, {"clock_error_ns", k.clock_error_ns}});
  json meta = json::object();
  for (const auto& [k, v] : r.header.meta) meta[k] = v;
  // Nesting is bounded before parsing: printing a parsed value recurses per level.
  json config = nullptr;
  if (trace_checks::json_nesting_depth(r.header.config_json, trace_checks::k_max_json_depth) <=
      trace_checks::k_max_json_depth) {
    config = json::parse(r.header.config_json, nullptr, false);
    if (config.is_discarded()) config = nullptr;
  }
  return {{"file", r.path},
          {"world_size", r.world_size},
          {"backend", r.header.backend},
          {"iterations", r.iterations},
          {"truncated", r.header.truncated},
          {"created_utc", r.header.created_utc},
          {"config", config},
          {"model_flops_per_iter", json_number(r.model_flops_per_iter)},
          {"step_time_s", summary(r.step_time_s)},
          {"tflops_per_rank", json_number(r.tflops_per_rank)},
          {"flops_per_s_total", json_number(r.flops_per_s_total)},
          {"ops", ops},
          {"ranks", ranks},
          {"sync", sync_json(r.sync)},
          {"meta", meta}};
}

std::string render_csv(const RunReport& r) {
  std::string s = "table,key,metric,value\n";
  auto row = [&](const char* table, const std::string& key, const char* metric, double v) {
    s += fmt::format("{},{},{},{}\n", table, key, metric, std::isfinite(v) ? fmt::format("{:.9g}", v) : "");
  };
  row("run", "all", "world_size", r.world_size);
  row("run", "all", "iterations", r.iterations);
  row("run", "all", "truncated", r.header.truncated ? 1 : 0);
  row("run", "all", "model_flops_per_iter", r.model_flops_per_iter);
  row("run", "all", "step_time_p50_s", r.step_time_s.p50);
  row("run", "all", "step_time_p99_s", r.step_time_s.p99);
  row("run", "all", "step_time_max_s", r.step_time_s.max);
  row("run", "all", "step_time_mean_s", r.step_time_s.mean);
  row("run", "all", "tflops_per_rank", r.tflops_per_rank);
  row("run", "all", "flops_per_s_total", r.flops_per_s_total);
  for (const OpReport& op : r.ops) {
    row("ops", op.name, "count", static_cast<double>(op.count));
    row("ops", op.name, "mean_s", op.time_s.mean);
    row("ops", op.name, "p50_s", op.time_s.p50);
    row("ops", op.name, "p99_s", op.time_s.p99);
    row("ops", op.name, "gflops_per_s", op.gflops_per_s);
    row("ops", op.name, "mem_gbytes_per_s", op.mem_gbytes_per_s);
    row("ops", op.name, "busbw_gbytes_per_s", op.comm_gbytes_per_s);
    row("ops", op.name, "share", op.share);
  }
  for (const RankReport& k : r.ranks) {
    const std::string key = std::to_string(k.rank);
    row("ranks", key, "span_s", k.span_s);
    row("ranks", key, "compute_s", k.compute_s);
    row("ranks", key, "memory_s", k.memory_s);
    row("ranks", key, "comm_s", k.comm_s);
    row("ranks", key, "other_s", k.other_s);
    row("ranks", key, "clock_offset_ns", static_cast<double>(k.clock_offset_ns));
    row("ranks", key, "clock_error_ns", static_cast<double>(k.clock_error_ns));
  }
  return s;
}

}  // namespace flopwall
