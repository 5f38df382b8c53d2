#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
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

// The bootstrap interval of a ratio of medians: it holds the true ratio of
// two series drawn from known distributions, excludes 1 for a 20% shift,
// includes it for two draws of the same distribution, and is reproducible.
namespace {
std::vector<double> jittered(double centre, int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter(0.97, 1.03);
  std::vector<double> v(static_cast<std::size_t>(n));
  for (double& x : v) x = centre * jitter(rng);
  return v;
}
}  // namespace

TEST(Bootstrap, IntervalHoldsAKnownSlowdown) {
  const auto base = jittered(1.0, 200, 1), slow = jittered(1.2, 200, 2);
  const auto r = stats::bootstrap_percentile_ratio(base, slow, 0.5, 1000, 0.95);
  EXPECT_NEAR(r.ratio, 1.2, 0.01);
  EXPECT_LT(r.low, 1.2);
  EXPECT_GT(r.high, 1.2);
  EXPECT_GT(r.low, 1.15);
  EXPECT_LE(r.low, r.ratio);
  EXPECT_GE(r.high, r.ratio);
}

TEST(Bootstrap, NoiseAloneIncludesOne) {
  const auto a = jittered(1.0, 200, 3), b = jittered(1.0, 200, 4);
  const auto r = stats::bootstrap_percentile_ratio(a, b, 0.5, 1000, 0.95);
  EXPECT_LT(r.low, 1.0);
  EXPECT_GT(r.high, 1.0);
}

TEST(Bootstrap, ReproducibleAndDefinedOnEdges) {
  const auto a = jittered(2.0, 50, 5), b = jittered(3.0, 50, 6);
  const auto r1 = stats::bootstrap_percentile_ratio(a, b, 0.5, 500, 0.95);
  const auto r2 = stats::bootstrap_percentile_ratio(a, b, 0.5, 500, 0.95);
  EXPECT_EQ(r1.low, r2.low);
  EXPECT_EQ(r1.high, r2.high);
  // The point ratio is the percentiles' own ratio, as percentile() defines them.
  EXPECT_DOUBLE_EQ(r1.ratio, stats::percentile(b, 0.5) / stats::percentile(a, 0.5));
  const std::vector<double> empty, zeros(10, 0.0);
  EXPECT_TRUE(std::isnan(stats::bootstrap_percentile_ratio(empty, b, 0.5, 100, 0.95).ratio));
  EXPECT_TRUE(std::isnan(stats::bootstrap_percentile_ratio(zeros, b, 0.5, 100, 0.95).ratio));
  // One value each: no spread, the interval is the point.
  const std::vector<double> one{2.0}, other{3.0};
  const auto single = stats::bootstrap_percentile_ratio(one, other, 0.5, 100, 0.95);
  EXPECT_DOUBLE_EQ(single.low, 1.5);
  EXPECT_DOUBLE_EQ(single.high, 1.5);
}
