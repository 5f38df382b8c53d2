#include "analysis/sections/run_summary_section.hpp"

#include <fmt/format.h>

#include <iterator>

#include "analysis/json_number.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

std::optional<ModelLine> model_line(const TraceConfig& c) {
  if (!c.document.is_object()) return std::nullopt;
  const auto text = [&](const char* key) { return c.string_field(key).value_or("?"); };
  const auto number = [&](const char* key) { return c.integer_field(key).value_or("0"); };
  return ModelLine{.model = text("model"), .dtype = text("dtype"), .hidden = number("hidden"),
                   .heads = number("heads"), .ffn = number("ffn"), .layers = number("layers"), .seq = number("seq"),
                   .batch = number("batch"), .tp = number("tp"), .dp = number("dp"), .iters = number("iters"),
                   .warmup = number("warmup"),
                   .duration_s = c.number("duration_s") ? fmt::format("{}", *c.number("duration_s")) : ""};
}

class RunSummarySection final : public ReportSection {
 public:
  explicit RunSummarySection(const ReportContext& context)
      : m_run(analyze_run_summary(context)), m_steps(context.step_times) {}

  std::string text() const override {
    std::string s;
    auto out = std::back_inserter(s);
    const TraceHeader& h = m_run.header;
    fmt::format_to(out, "flopwall report  {}\n", m_run.path);
    fmt::format_to(out, "run        {} ranks, backend {}, {} iterations, created {}{}\n", h.world_size, h.backend,
                   m_run.iterations, h.created_utc, h.truncated ? " (truncated: stopped early, by a signal)" : "");
    if (const auto& m = m_run.model_line)
      fmt::format_to(out,
                     "model      {} : hidden {} heads {} ffn {} layers {} seq {} batch {} | tp {} dp {} | {} | "
                     "{} timed + {} warm-up iterations\n",
                     m->model, m->hidden, m->heads, m->ffn, m->layers, m->seq, m->batch, m->tp, m->dp, m->dtype,
                     m->duration_s.empty() ? m->iters : fmt::format("--duration {} s (at most {})", m->duration_s, m->iters),
                     m->warmup);
    fmt::format_to(out, "\nFLOPs are the plan, seconds are the truth:\n");
    fmt::format_to(out, "  model FLOPs per iteration   {}\n", units::flops(m_run.model_flops_per_iter));
    fmt::format_to(out, "  step time (slowest rank)    p50 {}   p99 {}   max {}   mean {}\n",
                   units::seconds(m_steps.p50_s), units::seconds(m_steps.p99_s), units::seconds(m_steps.max_s),
                   units::seconds(m_steps.mean_s));
    fmt::format_to(out, "  achieved                    {} per rank, {} in all (model FLOPs / p50 step)\n",
                   units::flop_rate(m_run.tflops_per_rank * 1e12), units::flop_rate(m_run.flops_per_s_total));
    return s;
  }

  void add_json(json& report) const override {
    const TraceHeader& h = m_run.header;
    report["file"] = m_run.path;
    report["world_size"] = h.world_size;
    report["backend"] = h.backend;
    report["iterations"] = m_run.iterations;
    report["truncated"] = h.truncated;
    report["created_utc"] = h.created_utc;
    report["config"] = m_run.config;
    report["model_flops_per_iter"] = json_number(m_run.model_flops_per_iter);
    report["step_time_s"] = {{"mean", json_number(m_steps.mean_s)}, {"p50", json_number(m_steps.p50_s)},
                             {"p99", json_number(m_steps.p99_s)}, {"max", json_number(m_steps.max_s)}};
    report["tflops_per_rank"] = json_number(m_run.tflops_per_rank);
    report["flops_per_s_total"] = json_number(m_run.flops_per_s_total);
  }

  void add_csv_rows(LongCsv& csv) const override {
    const auto row = [&](const char* metric, double v) { csv.row("run", "all", metric, v); };
    row("world_size", m_run.header.world_size);
    row("iterations", m_run.iterations);
    row("truncated", m_run.header.truncated ? 1 : 0);
    row("model_flops_per_iter", m_run.model_flops_per_iter);
    row("step_time_p50_s", m_steps.p50_s);
    row("step_time_p99_s", m_steps.p99_s);
    row("step_time_max_s", m_steps.max_s);
    row("step_time_mean_s", m_steps.mean_s);
    row("tflops_per_rank", m_run.tflops_per_rank);
    row("flops_per_s_total", m_run.flops_per_s_total);
  }

 private:
  RunSummary m_run;
  StepTimes m_steps;
};

}  // namespace

RunSummary analyze_run_summary(const ReportContext& context) {
  RunSummary run{.path = context.path, .header = context.trace.header, .iterations = context.iterations,
                 .config = context.config.document, .model_line = model_line(context.config)};
  // The job's FLOPs: every event whose op is in the vocabulary (the reader
  // refuses any other; the analysis still never indexes past it).
  const double total_flops = context.totals->flops.value();
  if (run.iterations > 0) run.model_flops_per_iter = total_flops / run.iterations;
  const double p50 = context.step_times.p50_s;
  if (p50 > 0) {
    run.flops_per_s_total = run.model_flops_per_iter / p50;
    run.tflops_per_rank = run.flops_per_s_total / run.header.world_size / 1e12;
  }
  return run;
}

std::unique_ptr<ReportSection> make_run_summary_section(const ReportContext& context) {
  return std::make_unique<RunSummarySection>(context);
}

}  // namespace flopwall
