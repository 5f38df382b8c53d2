#include "analysis/sweep_points.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/sections/run_summary_section.hpp"
#include "analysis/sections/serve_section.hpp"
#include "analysis/sweep_knee.hpp"

namespace flopwall {
namespace {

double config_integer(const TraceConfig& c, const char* key) {
  const auto v = c.integer(key);
  return v ? static_cast<double>(*v) : std::nan("");
}

double finite_or_nan(double v) { return std::isfinite(v) ? v : std::nan(""); }

}  // namespace

SweepPointFigures sweep_point_figures(const ReportContext& point, const std::string& value, double numeric) {
  const RunSummary run = analyze_run_summary(point);
  SweepPointFigures f{.value = value, .numeric = numeric, .iterations = point.iterations,
                      .truncated = point.trace.header.truncated,
                      .tflops_per_rank = run.tflops_per_rank > 0 ? run.tflops_per_rank : std::nan("")};
  if (is_serve_trace(point)) {
    const ServeFigures serve = analyze_serve(point);
    f.tokens_per_s = finite_or_nan(serve.tokens_per_s > 0 ? serve.tokens_per_s : std::nan(""));
    f.p50_s = finite_or_nan(serve.request_latency_s.p50);
    f.p99_s = finite_or_nan(serve.request_latency_s.p99);
    return f;
  }
  const double tokens = config_integer(point.config, "batch") * config_integer(point.config, "seq") *
                        config_integer(point.config, "dp");
  const double p50 = point.step_times.p50_s;
  f.tokens_per_s = p50 > 0 ? finite_or_nan(tokens / p50) : std::nan("");
  f.p50_s = p50 > 0 ? p50 : std::nan("");
  f.p99_s = point.step_times.p99_s > 0 ? point.step_times.p99_s : std::nan("");
  return f;
}

SweepFigures analyze_sweep(WorkloadSweep sweep, std::vector<SweepPointFigures> points, bool serve) {
  std::sort(points.begin(), points.end(),
            [](const SweepPointFigures& a, const SweepPointFigures& b) { return a.numeric < b.numeric; });
  SweepFigures f{.sweep = std::move(sweep), .serve = serve, .points = std::move(points)};
  f.planned = f.sweep.values.size();
  std::vector<double> values, throughput, p99;
  const SweepParam* param = find_sweep_param(f.sweep.param);
  const bool on_flops = param && param->knee_metric == KneeMetric::tflops_per_rank;
  for (const SweepPointFigures& p : f.points) {
    values.push_back(p.numeric);
    throughput.push_back(on_flops ? p.tflops_per_rank : p.tokens_per_s);
    p99.push_back(p.p99_s);
  }
  f.knee = knee_index(values, throughput);
  if (f.sweep.slo_p99_s) f.slo_max = slo_max_index(values, p99, *f.sweep.slo_p99_s);
  return f;
}

}  // namespace flopwall
