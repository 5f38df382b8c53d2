#pragma once
// The run summary: what ran (ranks, backend, iterations, the model line of
// the configuration) and the headline figures, model FLOPs per iteration
// against the step time (docs/metrics.md, "Run figures").
#include <memory>
#include <optional>
#include <string>

#include "analysis/report_section.hpp"

namespace flopwall {

// The configuration's model and layout, as the text report's `model` line
// shows them: a missing string is "?", a missing integer "0".
struct ModelLine {
  std::string model, dtype;
  std::string hidden, heads, ffn, layers, seq, batch, tp, dp, iters, warmup;
  std::string duration_s;  // "" unless the run was bounded by --duration
};

struct RunSummary {
  std::string path;
  TraceHeader header;
  int iterations = 0;
  nlohmann::json config;                // the whole configuration; null where it could not be parsed
  std::optional<ModelLine> model_line;  // none where the configuration is not a JSON object
  double model_flops_per_iter = 0;
  double tflops_per_rank = 0;    // model_flops_per_iter / (p50 step · world_size) / 10¹²
  double flops_per_s_total = 0;  // model_flops_per_iter / p50 step
};

RunSummary analyze_run_summary(const ReportContext& context);
std::unique_ptr<ReportSection> make_run_summary_section(const ReportContext& context);

}  // namespace flopwall
