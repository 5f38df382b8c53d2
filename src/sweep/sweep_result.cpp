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

// Weighted by 1/time²: timing noise is relative (a percent of the time), so
// an unweighted fit would let the largest sizes set the intercept and alpha
// would be noise. Weighting minimises the relative residuals instead.
SweepFit fit_alpha_beta(const std::vector<std::pair<double, double>>& points) {
  SweepFit fit;
  fit.points = static_cast<int>(points.size());
  if (points.empty()) return fit;
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [x, y] : points) {
    const double w = y > 0 ? 1.0 / (y * y) : 1.0;
    sw += w;
    sx += w * x;
    sy += w * y;
    sxx += w * x * x;
    sxy += w * x * y;
  }
  const double denom = sw * sxx - sx * sx;
  // Relative tolerance: with equal sizes the denominator is rounding noise.
  if (points.size() < 2 || denom <= 1e-12 * sw * sxx) {
    fit.alpha_us = sy / sw;
    return fit;
  }
  const double slope_us_per_byte = (sw * sxy - sx * sy) / denom;
  fit.alpha_us = (sy - slope_us_per_byte * sx) / sw;
  // bytes / (us per byte) → bytes/us = 1e6 bytes/s; GB/s = 1e-3 / slope
  fit.beta_gbs = slope_us_per_byte > 0 ? 1e-3 / slope_us_per_byte : 0;
  return fit;
}

}  // namespace flopwall
