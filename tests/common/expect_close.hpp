#pragma once
// The tolerance check the kernel tests share (tests/gpu on a device,
// tests/emulated on the CPU): element-wise |got − want| ≤ tol·max(floor, |want|),
// one failure message naming the worst element.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace flopwall {

inline void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol,
                         double scale_floor = 1.0) {
  ASSERT_EQ(got.size(), want.size());
  std::size_t bad = 0, worst = 0;
  double worst_ratio = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    double ratio = std::fabs(got[i] - want[i]) / (tol * std::max(scale_floor, std::fabs(want[i])));
    if (std::isnan(ratio)) ratio = std::numeric_limits<double>::infinity();
    if (ratio > 1.0) ++bad;
    if (ratio > worst_ratio) {
      worst_ratio = ratio;
      worst = i;
    }
  }
  EXPECT_EQ(bad, 0u) << bad << " of " << got.size() << " elements outside " << tol << "·max(" << scale_floor
                     << ", |want|); worst at " << worst << ": got " << got[worst] << ", want " << want[worst];
}

}  // namespace flopwall
