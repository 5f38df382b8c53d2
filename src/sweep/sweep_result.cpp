#include "sweep/sweep_result.hpp"

namespace flopwall {

std::string_view tier_name(Tier t) noexcept {
  switch (t) {
    case Tier::world: return "world";
    case Tier::intra: return "intra";
    case Tier::inter: return "inter";
  }
  return "?";
}

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

SweepFit fit_alpha_beta(const std::vector<std::pair<double, double>>& points) {
  SweepFit fit;
  fit.points = static_cast<int>(points.size());
  if (points.empty()) return fit;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [x, y] : points) {
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double n = static_cast<double>(points.size());
  const double denom = n * sxx - sx * sx;
  if (points.size() < 2 || denom <= 0) {
    fit.alpha_us = sy / n;
    return fit;
  }
  const double slope_us_per_byte = (n * sxy - sx * sy) / denom;
  fit.alpha_us = (sy - slope_us_per_byte * sx) / n;
  // bytes / (us per byte) → bytes/us = 1e6 bytes/s; GB/s = 1e-3 / slope
  fit.beta_gbs = slope_us_per_byte > 0 ? 1e-3 / slope_us_per_byte : 0;
  return fit;
}

}  // namespace flopwall
