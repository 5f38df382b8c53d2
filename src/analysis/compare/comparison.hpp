#pragma once
// `flopwall compare`: several runs' figures side by side, each as a ratio to
// a baseline with a bootstrap interval, what differs between the runs, the
// scaling efficiency when their world sizes differ, and the regressions a
// gate fails on. docs/metrics.md, "Comparing runs", defines every figure.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis/compare/compare_run.hpp"

namespace flopwall {

struct CompareOptions {
  std::size_t baseline = 0;                    // index into the runs
  double noise = 0.05;                         // a ratio inside 1 ± noise is never significant
  std::optional<double> fail_if_slower;        // a fraction: 0.1 for --fail-if-slower 10
  int resamples = 1000;
  double confidence = 0.95;
};

// One run's figure in a row; NaN where the run lacks it.
struct CompareCell {
  double value = 0;
  double ratio = 0;            // value / the baseline's value
  double low = 0, high = 0;    // the ratio's interval
  bool significant = false;    // the interval lies wholly outside 1 ± noise
};

struct CompareRow {
  std::string key, metric;
  bool lower_is_better = true;  // times; throughputs are higher-is-better
  bool gated = false;           // a median time: what --fail-if-slower reads
  std::vector<CompareCell> cells;  // one per run, in the runs' order
};

// Something the runs were made with that is not the same in all of them.
struct CompareDifference {
  std::string what;                 // e.g. world_size, config.batch, env.NCCL_ALGO
  std::vector<std::string> values;  // one per run ("" where absent)
};

struct CompareScaling {
  std::string mode;                 // strong | weak
  std::vector<double> efficiency;   // one per run; the baseline's is 1
};

struct CompareRegression {
  std::size_t run = 0;
  std::string key, metric;
  double ratio = 0, low = 0;
};

struct Comparison {
  std::vector<CompareRun> runs;  // series dropped after the rows are made
  CompareOptions options;
  std::vector<CompareRow> rows;
  std::vector<CompareDifference> differences;
  std::optional<CompareScaling> scaling;  // runs of one kind whose world sizes differ
  std::string scaling_note;               // why there is none, where world sizes differ
  std::vector<CompareRegression> regressions;
};

Comparison compare_runs(std::vector<CompareRun> runs, const CompareOptions& options);

}  // namespace flopwall
