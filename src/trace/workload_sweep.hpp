#pragma once
// A workload sweep (`flopwall sweep`): the run flag it varies and the values
// it runs, stored as a trace's root attribute sweep_json
// (docs/trace-format.md, "Workload sweep traces"). One parser for the
// command line's choices and for what a trace claims, so a damaged or
// foreign document is refused the same way everywhere.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flopwall {

// What a sweep's knee is found on: tokens/s where the work per token stays
// as it is along the sweep, TFLOP/s per rank where the value changes the
// work per token (a wider model does more per token, so fewer tokens/s is
// no loss of throughput).
enum class KneeMetric { tokens_per_s, tflops_per_rank };

struct SweepParam {
  std::string_view name;  // as --param takes it
  std::string_view flag;  // the `flopwall run` option each point sets
  KneeMetric knee_metric;
};

// Every parameter a sweep may vary, in the order --help lists them.
inline constexpr SweepParam k_sweep_params[] = {
    {"batch", "--batch", KneeMetric::tokens_per_s},
    {"seq", "--seq", KneeMetric::tokens_per_s},
    {"hidden", "--hidden", KneeMetric::tflops_per_rank},
    {"ffn", "--ffn", KneeMetric::tflops_per_rank},
    {"tp", "--tp", KneeMetric::tokens_per_s},
    {"ep", "--ep", KneeMetric::tokens_per_s},
    {"experts", "--moe-experts", KneeMetric::tokens_per_s},
    {"topk", "--moe-topk", KneeMetric::tflops_per_rank},
    {"prompt-len", "--prompt-len", KneeMetric::tokens_per_s},
    {"kv-hit", "--kv-hit", KneeMetric::tokens_per_s},
};
inline constexpr std::size_t k_max_sweep_points = 64;

const SweepParam* find_sweep_param(std::string_view name);
// "batch, seq, hidden, ..." for messages.
std::string sweep_param_names();

struct WorkloadSweep {
  std::string param;                // a k_sweep_params name
  std::vector<std::string> values;  // as given, in run order; distinct numbers
  std::optional<double> slo_p99_s;  // --slo-p99-ms, in seconds
};

// Each value as a number (they were checked to be finite numbers).
std::vector<double> numeric_values(const WorkloadSweep& sweep);

std::string sweep_to_json(const WorkloadSweep& sweep);
// The document's fault in one phrase (thrown as std::runtime_error), or the
// sweep: a known param, 1 .. k_max_sweep_points distinct finite numbers as
// strings, an optional positive finite slo_p99_ms.
WorkloadSweep parse_sweep_json(std::string_view text);

}  // namespace flopwall
