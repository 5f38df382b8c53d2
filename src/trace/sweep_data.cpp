#include "trace/sweep_data.hpp"

namespace flopwall {

// nccl-tests' "Avg bus bandwidth": the mean busbw over every printed result.
double SweepResult::avg_busbw_gbs() const {
  double sum = 0;
  int n = 0;
  for (const SweepRow& r : rows)
    if (r.available) {
      sum += r.busbw_gbs;
      ++n;
    }
  return n ? sum / n : 0;
}

std::int64_t SweepResult::wrong_total() const {
  std::int64_t total = 0;
  for (const SweepRow& r : rows)
    if (r.available && r.wrong > 0) total += r.wrong;
  return total;
}

}  // namespace flopwall
