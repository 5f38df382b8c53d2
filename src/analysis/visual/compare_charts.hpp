#pragma once
// The report of several files (`flopwall report A.h5 B.h5 ... --format
// json|html`): each run's gated figures (the medians `flopwall compare`'s
// gate reads) as ratios to the baseline with their bootstrap intervals, one
// array per run, for the page's side-by-side interval bars.
#include <nlohmann/json.hpp>

namespace flopwall {

// `comparison`: comparison_json's document. Returns
// [{"file", "baseline_file", "noise", "rows": [{"key", "ratio", "ci", "significant"}]}]
// for every run but the baseline.
nlohmann::json compare_charts(const nlohmann::json& comparison);

}  // namespace flopwall
