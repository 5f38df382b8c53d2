#include "analysis/compare/comparison.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "analysis/compare/compare_differences.hpp"
#include "core/statistics.hpp"

namespace flopwall {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
const CompareCell k_absent{k_nan, k_nan, k_nan, k_nan, false};

bool wholly_outside(double low, double high, double noise) { return low > 1 + noise || high < 1 - noise; }

// The runs' series of one key (nullptr where a run lacks it).
using SeriesOfRuns = std::vector<const CompareSeries*>;

// The q-percentile time of each run, as a ratio to the baseline's.
CompareRow time_row(const std::string& key, const char* metric, double q, bool gated, const SeriesOfRuns& s,
                    const CompareOptions& options) {
  CompareRow row{.key = key, .metric = metric, .lower_is_better = true, .gated = gated};
  const CompareSeries* base = s[options.baseline];
  for (std::size_t r = 0; r < s.size(); ++r) {
    if (!s[r]) {
      row.cells.push_back(k_absent);
      continue;
    }
    CompareCell cell{.value = stats::percentile(s[r]->time_s, q)};
    if (r == options.baseline) {
      cell.ratio = cell.low = cell.high = 1;
    } else if (base) {
      const auto interval =
          stats::bootstrap_percentile_ratio(base->time_s, s[r]->time_s, q, options.resamples, options.confidence);
      cell.ratio = interval.ratio;
      cell.low = interval.low;
      cell.high = interval.high;
      cell.significant = wholly_outside(cell.low, cell.high, options.noise);
    } else {
      cell.ratio = cell.low = cell.high = k_nan;
    }
    row.cells.push_back(cell);
  }
  return row;
}

// work / time, from a time row: work(r) is run r's amount per iteration
// (FLOPs or bus bytes) times the unit's scale. Its interval is the time's,
// inverted and scaled by the ratio of the works.
CompareRow throughput_row(const CompareRow& time, const char* metric, const CompareOptions& options,
                          const std::function<double(std::size_t)>& work) {
  CompareRow row{.key = time.key, .metric = metric, .lower_is_better = false};
  const double base_work = work(options.baseline);
  for (std::size_t r = 0; r < time.cells.size(); ++r) {
    const CompareCell& t = time.cells[r];
    const double w = work(r);
    if (std::isnan(t.value) || std::isnan(w)) {
      row.cells.push_back(k_absent);
      continue;
    }
    const double scale = w / base_work;
    CompareCell cell{.value = t.value > 0 ? w / t.value : k_nan, .ratio = scale / t.ratio, .low = scale / t.high,
                     .high = scale / t.low};
    cell.significant = r != options.baseline && wholly_outside(cell.low, cell.high, options.noise);
    row.cells.push_back(cell);
  }
  return row;
}

bool is_step(const std::string& key) { return key == "step" || key.ends_with("/step"); }

std::vector<CompareRow> make_rows(const std::vector<CompareRun>& runs, const CompareOptions& options) {
  // Keys in first-seen order, the baseline's first.
  std::vector<std::string> keys;
  std::set<std::string> seen;
  std::vector<std::map<std::string, const CompareSeries*>> by_key(runs.size());
  std::vector<std::size_t> order{options.baseline};
  for (std::size_t r = 0; r < runs.size(); ++r)
    if (r != options.baseline) order.push_back(r);
  for (const std::size_t r : order)
    for (const CompareSeries& s : runs[r].series) {
      by_key[r].emplace(s.key, &s);
      if (seen.insert(s.key).second) keys.push_back(s.key);
    }

  std::vector<CompareRow> rows;
  for (const std::string& key : keys) {
    SeriesOfRuns s(runs.size(), nullptr);
    for (std::size_t r = 0; r < runs.size(); ++r)
      if (const auto it = by_key[r].find(key); it != by_key[r].end()) s[r] = it->second;
    const CompareSeries* base = s[options.baseline];
    if (is_step(key)) {
      CompareRow p50 = time_row(key, "p50_s", 0.5, true, s, options);
      rows.push_back(p50);
      rows.push_back(time_row(key, "p99_s", 0.99, false, s, options));
      // Model FLOPs per iteration over the ranks, per rank, as the report's TFLOP/s per rank.
      if (base && base->flops > 0)
        rows.push_back(throughput_row(p50, "tflops_per_rank", options, [&](std::size_t r) {
          return s[r] ? s[r]->flops / std::max(runs[r].header.world_size, 1) * 1e-12 : k_nan;
        }));
      continue;
    }
    CompareRow time = time_row(key, "time_s", 0.5, true, s, options);
    rows.push_back(time);
    if (base && base->flops > 0)
      rows.push_back(
          throughput_row(time, "tflops", options, [&](std::size_t r) { return s[r] ? s[r]->flops * 1e-12 : k_nan; }));
    if (base && base->kind == OpKind::comm && base->bus_bytes > 0)
      rows.push_back(throughput_row(time, "busbw_gbs", options,
                                    [&](std::size_t r) { return s[r] ? s[r]->bus_bytes * 1e-9 : k_nan; }));
  }
  return rows;
}

const CompareSeries* find_series(const CompareRun& run, const std::string& key) {
  for (const CompareSeries& s : run.series)
    if (s.key == key) return &s;
  return nullptr;
}

// Weak or strong scaling, told from the work per iteration: the same work in
// all runs is strong scaling, the same work per rank weak scaling.
void add_scaling(Comparison& c) {
  const auto& runs = c.runs;
  const std::size_t b = c.options.baseline;
  const bool sizes_differ = std::any_of(runs.begin(), runs.end(), [&](const CompareRun& r) {
    return r.header.world_size != runs[b].header.world_size;
  });
  if (!sizes_differ) return;
  if (std::any_of(runs.begin(), runs.end(), [](const CompareRun& r) { return r.kind != "run"; })) {
    c.scaling_note = "no scaling efficiency: it is defined for run traces (not sweeps) only";
    return;
  }
  std::vector<double> work, p50;
  for (const CompareRun& r : runs) {
    const CompareSeries* step = find_series(r, "step");
    work.push_back(step ? step->flops : k_nan);
    p50.push_back(step ? stats::percentile(step->time_s, 0.5) : k_nan);
  }
  const auto same = [](double a, double x) { return std::abs(x / a - 1) < 0.01; };
  const auto size = [&](std::size_t r) { return static_cast<double>(std::max(runs[r].header.world_size, 1)); };
  bool strong = true, weak = true;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    strong = strong && same(work[b], work[r]);
    weak = weak && same(work[b] / size(b), work[r] / size(r));
  }
  if (!strong && !weak) {
    c.scaling_note = "no scaling efficiency: neither the work per iteration nor the work per rank is the same in all runs";
    return;
  }
  CompareScaling s{.mode = strong ? "strong" : "weak"};
  for (std::size_t r = 0; r < runs.size(); ++r)
    s.efficiency.push_back(strong ? p50[b] * size(b) / (p50[r] * size(r)) : p50[b] / p50[r]);
  c.scaling = std::move(s);
}

void add_regressions(Comparison& c) {
  if (!c.options.fail_if_slower) return;
  const double limit = 1 + *c.options.fail_if_slower;
  for (const CompareRow& row : c.rows) {
    if (!row.gated) continue;
    for (std::size_t r = 0; r < row.cells.size(); ++r) {
      const CompareCell& cell = row.cells[r];
      if (r != c.options.baseline && cell.significant && cell.low > limit)
        c.regressions.push_back({.run = r, .key = row.key, .metric = row.metric, .ratio = cell.ratio, .low = cell.low});
    }
  }
}

}  // namespace

Comparison compare_runs(std::vector<CompareRun> runs, const CompareOptions& options) {
  Comparison c{.runs = std::move(runs), .options = options};
  c.rows = make_rows(c.runs, options);
  c.differences = run_differences(c.runs);
  add_scaling(c);
  add_regressions(c);
  for (CompareRun& r : c.runs) r.series.clear();
  return c;
}

}  // namespace flopwall
