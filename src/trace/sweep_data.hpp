#pragma once
// The figures of one collective sweep, as `flopwall collectives` prints them
// and its trace stores them (/collectives, /collective_fits): a row per
// (tier, collective, size, in-place form), and a latency/bandwidth fit per
// (tier, collective). trace/sweep_tables.hpp writes and reads them.
#include <cstdint>
#include <string>
#include <vector>

namespace flopwall {

struct SweepRow {
  std::string collective;
  std::string tier;
  std::int64_t size_bytes = 0;
  std::int64_t count = 0;
  std::string dtype;
  std::string redop;  // "" for collectives that do not reduce
  int root = -1;      // -1 for collectives without a root
  bool inplace = false;
  bool available = true;  // false: this form does not exist on the transport (n/a)
  double time_us = 0;     // mean over iterations of the combined per-rank time
  double algbw_gbs = 0;
  double busbw_gbs = 0;
  std::int64_t wrong = 0;  // -1: not checked
  double p50_us = 0, p99_us = 0, max_us = 0;
};

struct SweepFit {
  std::string collective;
  std::string tier;
  double alpha_us = 0;  // time = alpha + size / beta
  double beta_gbs = 0;  // 0 when the fit has no positive slope
  int points = 0;
};

struct SweepResult {
  std::string backend, transport;
  int world_size = 0;
  std::vector<SweepRow> rows;
  std::vector<SweepFit> fits;
  std::vector<std::string> notes;  // roundings and skipped tiers, said once each
  int stop_signal = 0;  // nonzero: a graceful stop ended the sweep after the last row
  double avg_busbw_gbs() const;
  std::int64_t wrong_total() const;
};

}  // namespace flopwall
