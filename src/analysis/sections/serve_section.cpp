#include "analysis/sections/serve_section.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "analysis/json_number.hpp"
#include "core/statistics.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

Percentiles percentiles(const std::vector<double>& v) {
  if (v.empty()) return {.p50 = std::nan(""), .p99 = std::nan("")};
  return {.p50 = stats::percentile(v, 0.5), .p99 = stats::percentile(v, 0.99)};
}

std::int64_t integer(const TraceConfig& c, const char* key) { return c.integer(key).value_or(0); }

class ServeSection final : public ReportSection {
 public:
  explicit ServeSection(const ReportContext& context)
      : m_f(analyze_serve(context)),
        m_requests(integer(context.config, "requests")),
        m_steps(integer(context.config, "decode_steps")) {}

  std::string text() const override {
    std::string s;
    auto out = std::back_inserter(s);
    fmt::format_to(out, "\nserve: {} requests per replica, {} decode steps, {} complete waves\n", m_requests, m_steps,
                   m_f.waves);
    const auto line = [&](const char* what, const Percentiles& p) {
      fmt::format_to(out, "  {:<26}p50 {}   p99 {}\n", what, units::seconds(p.p50), units::seconds(p.p99));
    };
    line("time to first token", m_f.ttft_s);
    line("time per output token", m_f.tpot_s);
    line("request latency", m_f.request_latency_s);
    fmt::format_to(out, "  output tokens/s            {:.1f} (requests x dp x decode steps / mean wave {})\n",
                   m_f.tokens_per_s, units::seconds(m_f.mean_wave_s));
    fmt::format_to(out, "  KV cache                   {} per token, {} per replica (all TP shards)\n",
                   units::bytes(static_cast<double>(m_f.kv_bytes_per_token)),
                   units::bytes(static_cast<double>(m_f.kv_bytes_total)));
    if (m_f.max_batch_for_memory)
      fmt::format_to(out, "  largest batch for memory   {} requests\n", *m_f.max_batch_for_memory);
    else
      fmt::format_to(out, "  largest batch for memory   not measured (no host memory figure; cuda refuses at start)\n");
    return s;
  }

  void add_json(json& report) const override {
    const auto pct = [](const Percentiles& p) { return json{{"p50", json_number(p.p50)}, {"p99", json_number(p.p99)}}; };
    report["serve"] = {{"ttft_s", pct(m_f.ttft_s)},
                       {"tpot_s", pct(m_f.tpot_s)},
                       {"request_latency_s", pct(m_f.request_latency_s)},
                       {"tokens_per_s", json_number(m_f.tokens_per_s)},
                       {"kv_bytes_per_token", m_f.kv_bytes_per_token},
                       {"kv_bytes_total", m_f.kv_bytes_total},
                       {"max_batch_for_memory",
                        m_f.max_batch_for_memory ? json(*m_f.max_batch_for_memory) : json(nullptr)},
                       {"waves", m_f.waves}};
  }

  void add_csv_rows(LongCsv& csv) const override {
    const auto row = [&](const char* metric, double v) { csv.row("serve", "all", metric, v); };
    row("ttft_p50_s", m_f.ttft_s.p50);
    row("ttft_p99_s", m_f.ttft_s.p99);
    row("tpot_p50_s", m_f.tpot_s.p50);
    row("tpot_p99_s", m_f.tpot_s.p99);
    row("request_latency_p50_s", m_f.request_latency_s.p50);
    row("request_latency_p99_s", m_f.request_latency_s.p99);
    row("tokens_per_s", m_f.tokens_per_s);
    row("kv_bytes_per_token", static_cast<double>(m_f.kv_bytes_per_token));
    row("kv_bytes_total", static_cast<double>(m_f.kv_bytes_total));
    row("max_batch_for_memory", m_f.max_batch_for_memory ? static_cast<double>(*m_f.max_batch_for_memory) : std::nan(""));
  }

 private:
  ServeFigures m_f;
  std::int64_t m_requests = 0, m_steps = 0;
};

}  // namespace

ServeFigures analyze_serve(const ReportContext& context) {
  const TraceConfig& c = context.config;
  const std::int64_t requests = integer(c, "requests"), steps = integer(c, "decode_steps");
  ServeFigures f = serve_timing(context.totals->serve_steps, steps, requests, std::max<std::int64_t>(integer(c, "dp"), 1));
  f.kv_bytes_per_token = static_cast<std::uint64_t>(std::max<std::int64_t>(integer(c, "kv_bytes_per_token"), 0));
  f.kv_bytes_total = f.kv_bytes_per_token * static_cast<std::uint64_t>(std::max<std::int64_t>(requests, 0)) *
                     static_cast<std::uint64_t>(std::max<std::int64_t>(integer(c, "prompt_len") + steps, 0));
  if (const std::int64_t m = integer(c, "max_batch_for_memory"); m > 0) f.max_batch_for_memory = m;
  return f;
}

ServeFigures serve_timing(const std::vector<ServeStepSpan>& spans, std::int64_t decode_steps, std::int64_t requests,
                          std::int64_t dp) {
  ServeFigures f;
  std::vector<double> ttft, tpot, latency;
  double wave_total_s = 0;
  for (std::size_t at = 0; at < spans.size();) {
    std::size_t end = at;
    while (end < spans.size() && spans[end].iter == spans[at].iter) ++end;
    // A complete wave: its prefill (step −1) and steps 0..S−1, sorted by step.
    const bool complete = static_cast<std::int64_t>(end - at) == decode_steps + 1 && spans[at].step == -1 &&
                          spans[end - 1].step == decode_steps - 1;
    if (complete) {
      std::int64_t start = spans[at].start_ns, last = spans[at].end_ns;
      for (std::size_t i = at; i < end; ++i) {
        start = std::min(start, spans[i].start_ns);
        last = std::max(last, spans[i].end_ns);
      }
      ttft.push_back((static_cast<double>(spans[at].end_ns) - static_cast<double>(start)) / units::k_ns_per_s);
      for (std::size_t i = at + 1; i < end; ++i)
        tpot.push_back((static_cast<double>(spans[i].end_ns) - static_cast<double>(spans[i].start_ns)) /
                       units::k_ns_per_s);
      const double wave_s = (static_cast<double>(last) - static_cast<double>(start)) / units::k_ns_per_s;
      latency.push_back(wave_s);
      wave_total_s += wave_s;
      ++f.waves;
    }
    at = end;
  }
  f.ttft_s = percentiles(ttft);
  f.tpot_s = percentiles(tpot);
  f.request_latency_s = percentiles(latency);
  f.mean_wave_s = f.waves > 0 ? wave_total_s / static_cast<double>(f.waves) : std::nan("");
  f.tokens_per_s = static_cast<double>(requests) * static_cast<double>(dp) * static_cast<double>(decode_steps) /
                   f.mean_wave_s;
  return f;
}

bool is_serve_trace(const ReportContext& context) {
  return context.config.string_field("mode").value_or("") == "serve";
}

std::unique_ptr<ReportSection> make_serve_section(const ReportContext& context) {
  return std::make_unique<ServeSection>(context);
}

}  // namespace flopwall
