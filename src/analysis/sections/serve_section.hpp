#pragma once
// Serve mode's figures (docs/metrics.md, "Serve mode"): time to first token,
// time per output token and per-request latency, each p50/p99, output
// tokens/s, the KV cache's bytes, and the largest batch the memory held.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "analysis/report_context.hpp"
#include "analysis/report_section.hpp"

namespace flopwall {

struct Percentiles {
  double p50 = 0, p99 = 0;
};

struct ServeFigures {
  std::int64_t waves = 0;           // iterations with a complete wave (a prefill and every decode step)
  Percentiles ttft_s, tpot_s, request_latency_s;
  double mean_wave_s = 0;
  double tokens_per_s = 0;          // requests · dp · decode_steps / mean wave time
  std::uint64_t kv_bytes_per_token = 0, kv_bytes_total = 0;
  std::optional<std::int64_t> max_batch_for_memory;  // none where the run could not measure it
};

// The timing figures of step spans across ranks (ReportTotals::serve_steps):
// per wave, TTFT = end of step −1 − the wave's start (its earliest op),
// TPOT = each decode step's end − its start, latency = the wave's last end −
// its start. Waves missing a step are left out.
ServeFigures serve_timing(const std::vector<ServeStepSpan>& spans, std::int64_t decode_steps, std::int64_t requests,
                          std::int64_t dp);

// Every serve figure of a serve trace: the timing of its step spans and the
// KV cache's bytes and batch limit from its config.
ServeFigures analyze_serve(const ReportContext& context);

// Whether the trace is a serve run (its config's mode).
bool is_serve_trace(const ReportContext& context);
std::unique_ptr<ReportSection> make_serve_section(const ReportContext& context);

}  // namespace flopwall
