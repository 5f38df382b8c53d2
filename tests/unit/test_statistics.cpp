#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "core/statistics.hpp"

namespace stats = flopwall::stats;

namespace {

std::vector<double> one_to(int n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 1.0);
  return v;
}

}  // namespace

TEST(Statistics, MeanOfValues) {
  const std::vector<double> v{1.0, 2.0, 3.0, 10.0};
  EXPECT_DOUBLE_EQ(stats::mean(v), 4.0);
  EXPECT_DOUBLE_EQ(stats::mean(one_to(100)), 50.5);
  const std::vector<double> single{-2.5};
  EXPECT_DOUBLE_EQ(stats::mean(single), -2.5);
}

TEST(Statistics, PercentileInterpolatesLinearlyBetweenRanks) {
  const std::vector<double> v{1.0, 2.0, 3.0, 4.0};
  EXPECT_DOUBLE_EQ(stats::percentile(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(stats::percentile(v, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(stats::percentile(v, 0.9), 3.7);
  EXPECT_DOUBLE_EQ(stats::percentile(one_to(100), 0.99), 99.01);
  EXPECT_DOUBLE_EQ(stats::percentile(one_to(100), 0.5), 50.5);
  const std::vector<double> odd{5.0, 1.0, 3.0};
  EXPECT_DOUBLE_EQ(stats::percentile(odd, 0.5), 3.0);
}

TEST(Statistics, PercentileSortsUnsortedInput) {
  const std::vector<double> v{4.0, 1.0, 3.0, 2.0};
  EXPECT_DOUBLE_EQ(stats::percentile(v, 0.5), 2.5);
  const std::vector<double> w{10.0, -1.0, 7.0, 0.0, 3.0};
  EXPECT_DOUBLE_EQ(stats::percentile(w, 0.5), 3.0);
  EXPECT_DOUBLE_EQ(stats::percentile(w, 0.75), 7.0);
  EXPECT_DOUBLE_EQ(stats::percentile(w, 0.1), -0.6);
}

TEST(Statistics, PercentileEndpointsAreMinAndMax) {
  const std::vector<double> v{3.0, -2.0, 8.0, 5.0, 1.0};
  EXPECT_DOUBLE_EQ(stats::percentile(v, 0.0), -2.0);
  EXPECT_DOUBLE_EQ(stats::percentile(v, 1.0), 8.0);
}

TEST(Statistics, PercentileOfSingleElementIsThatElement) {
  const std::vector<double> v{42.0};
  EXPECT_DOUBLE_EQ(stats::percentile(v, 0.0), 42.0);
  EXPECT_DOUBLE_EQ(stats::percentile(v, 0.5), 42.0);
  EXPECT_DOUBLE_EQ(stats::percentile(v, 0.99), 42.0);
  EXPECT_DOUBLE_EQ(stats::percentile(v, 1.0), 42.0);
}

TEST(Statistics, MaxOfValues) {
  const std::vector<double> v{3.0, -2.0, 8.5, 5.0};
  EXPECT_DOUBLE_EQ(stats::max(v), 8.5);
  const std::vector<double> negative{-3.0, -1.0, -2.0};
  EXPECT_DOUBLE_EQ(stats::max(negative), -1.0);
}

TEST(Statistics, SummarizeCombinesTheStatistics) {
  const auto s = stats::summarize(one_to(100));
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
  EXPECT_DOUBLE_EQ(s.p50, 50.5);
  EXPECT_DOUBLE_EQ(s.p99, 99.01);
  EXPECT_DOUBLE_EQ(s.max, 100.0);

  const std::vector<double> v{4.0, 1.0, 3.0, 2.0};
  const auto t = stats::summarize(v);
  EXPECT_DOUBLE_EQ(t.mean, 2.5);
  EXPECT_DOUBLE_EQ(t.p50, 2.5);
  EXPECT_DOUBLE_EQ(t.p99, 3.97);
  EXPECT_DOUBLE_EQ(t.max, 4.0);
}

TEST(Statistics, EmptyInputGivesNaN) {
  const std::vector<double> empty;
  EXPECT_TRUE(std::isnan(stats::mean(empty)));
  EXPECT_TRUE(std::isnan(stats::percentile(empty, 0.5)));
  EXPECT_TRUE(std::isnan(stats::max(empty)));
  const auto s = stats::summarize(empty);
  EXPECT_TRUE(std::isnan(s.mean));
  EXPECT_TRUE(std::isnan(s.p50));
  EXPECT_TRUE(std::isnan(s.p99));
  EXPECT_TRUE(std::isnan(s.max));
}
