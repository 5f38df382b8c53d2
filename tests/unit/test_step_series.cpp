// The step series behind the report's step-time chart: exact up to its
// bucket count, then each bucket's fastest and slowest iteration, in bounded
// memory, and the same whatever parts it was merged from.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "analysis/step_series.hpp"

using namespace flopwall;

namespace {

std::vector<double> steps(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(-6, 0.3);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

StepSeries series_of(const std::vector<double>& v, std::size_t begin, std::size_t end) {
  StepSeries s;
  for (std::size_t i = begin; i < end; ++i) s.add(static_cast<std::int64_t>(i), v[i]);
  return s;
}

void expect_same(const StepSeries& a, const StepSeries& b) {
  ASSERT_EQ(a.bucket_iterations(), b.bucket_iterations());
  const auto pa = a.points(), pb = b.points();
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].iter, pb[i].iter);
    EXPECT_EQ(pa[i].step_s, pb[i].step_s);
  }
}

}  // namespace

TEST(StepSeries, KeepsEveryIterationUpToItsBuckets) {
  const auto v = steps(1000, 1);
  const StepSeries s = series_of(v, 0, v.size());
  EXPECT_EQ(s.bucket_iterations(), 1);
  const auto p = s.points();
  ASSERT_EQ(p.size(), v.size());
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(p[i].step_s, v[i]);
  const auto worst = std::max_element(v.begin(), v.end());
  EXPECT_EQ(s.slowest().iter, worst - v.begin());
  EXPECT_EQ(s.slowest().step_s, *worst);
}

TEST(StepSeries, LongRunsKeepEachBucketsExtremesInBoundedMemory) {
  const std::size_t n = 5 * StepSeries::k_buckets + 17;
  const auto v = steps(n, 2);
  const StepSeries s = series_of(v, 0, n);
  EXPECT_EQ(s.bucket_iterations(), 8);  // the smallest power of two keeping n / width under the cap
  const auto p = s.points();
  EXPECT_LE(p.size(), 2 * static_cast<std::size_t>(StepSeries::k_buckets));
  // Every bucket's fastest and slowest iteration is kept, as it was.
  for (std::size_t b = 0; b * 8 < n; ++b) {
    const auto first = v.begin() + static_cast<std::ptrdiff_t>(b * 8);
    const auto last = v.begin() + static_cast<std::ptrdiff_t>(std::min(n, (b + 1) * 8));
    const auto lo = std::min_element(first, last) - v.begin(), hi = std::max_element(first, last) - v.begin();
    for (const auto want : {lo, hi})
      EXPECT_TRUE(std::any_of(p.begin(), p.end(), [&](const StepPoint& q) { return q.iter == want && q.step_s == v[want]; }))
          << "bucket " << b;
  }
  // Kept in iteration order, and the slowest of all is still exact.
  EXPECT_TRUE(std::is_sorted(p.begin(), p.end(), [](const StepPoint& a, const StepPoint& b) { return a.iter < b.iter; }));
  EXPECT_EQ(s.slowest().step_s, *std::max_element(v.begin(), v.end()));
}

TEST(StepSeries, PartsMergeIntoTheWholeInAnyOrder) {
  const std::size_t n = 3 * StepSeries::k_buckets + 5;
  const auto v = steps(n, 3);
  const StepSeries whole = series_of(v, 0, n);
  // Unequal parts; one ends before the width grows, one after.
  const std::size_t cuts[] = {0, 100, StepSeries::k_buckets - 1, 2 * StepSeries::k_buckets + 3, n};
  StepSeries forward, backward;
  for (std::size_t k = 0; k + 1 < std::size(cuts); ++k) forward.merge(series_of(v, cuts[k], cuts[k + 1]));
  for (std::size_t k = std::size(cuts) - 1; k > 0; --k) backward.merge(series_of(v, cuts[k - 1], cuts[k]));
  expect_same(whole, forward);
  expect_same(whole, backward);
}

TEST(StepSeries, TravelsBetweenProcessesAndRefusesDamage) {
  const auto v = steps(300, 4);
  const StepSeries s = series_of(v, 0, v.size());
  ByteWriter out;
  s.write(out);
  const std::string bytes = out.take();
  ByteReader in(bytes);
  expect_same(s, StepSeries::read(in));
  std::string damaged = bytes;
  damaged[0] = 3;  // a width of 3 is no power of two
  ByteReader bad(damaged);
  EXPECT_THROW(StepSeries::read(bad), std::runtime_error);
}

TEST(StepSeries, NearestPicksTheIterationClosestToAStep) {
  StepSeries s;
  s.add(0, 1.0);
  s.add(1, 3.0);
  s.add(2, 2.1);
  s.add(3, 1.95);
  s.add(4, 2.1);
  EXPECT_EQ(s.nearest(2.0).iter, 3);
  EXPECT_EQ(s.nearest(2.9).iter, 1);
  EXPECT_EQ(s.nearest(2.1).iter, 2);  // a tie goes to the earlier iteration
  EXPECT_EQ(StepSeries().slowest().iter, -1);
}
