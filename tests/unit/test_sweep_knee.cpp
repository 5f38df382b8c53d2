// The knee and the SLO limit of a workload sweep on synthetic curves, and
// the sweep description a trace carries (trace/workload_sweep.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "analysis/sweep_knee.hpp"
#include "analysis/sweep_points.hpp"
#include "trace/workload_sweep.hpp"

namespace flopwall {
namespace {

const double nan = std::nan("");

TEST(SweepKnee, SaturatingCurveKneesWhereItReachesNinetyPercent) {
  // Throughput = best · b / (b + 4): 20%, 33%, 50%, 67%, 80%, 89%, 94% of the last point's.
  const std::vector<double> batch{1, 2, 4, 8, 16, 32, 64};
  std::vector<double> tps;
  for (const double b : batch) tps.push_back(1000 * b / (b + 4));
  // Best is at 64 (941); 90% of it is 847: 32 gives 889, 16 gives 800.
  EXPECT_EQ(knee_index(batch, tps), 5u);
}

TEST(SweepKnee, PeakThenDeclineKneesBeforeThePeak) {
  // Past the peak throughput falls (memory or contention): the knee is the
  // smallest value within 90%, here before the peak.
  const std::vector<double> v{1, 2, 4, 8, 16};
  EXPECT_EQ(knee_index(v, {100, 500, 930, 1000, 600}), 2u);
}

TEST(SweepKnee, FlatCurveKneesAtTheFirstValue) {
  EXPECT_EQ(knee_index({1, 2, 3}, {100, 101, 99}), 0u);
}

TEST(SweepKnee, ExactlyNinetyPercentCounts) {
  EXPECT_EQ(knee_index({1, 2}, {90, 100}), 0u);
  EXPECT_EQ(knee_index({1, 2}, {89.999, 100}), 1u);
}

TEST(SweepKnee, UnmeasuredPointsAreSkippedAndNoneMeasuredHasNoKnee) {
  EXPECT_EQ(knee_index({1, 2, 4}, {nan, 50, 100}), 2u);
  EXPECT_EQ(knee_index({1, 2}, {nan, nan}), std::nullopt);
  EXPECT_EQ(knee_index({1, 2}, {0, 0}), std::nullopt);
  EXPECT_EQ(knee_index({}, {}), std::nullopt);
}

TEST(SweepSlo, LargestValueWithinTheLimit) {
  // p99 grows with the batch: 4 ms, 6 ms, 10 ms, 18 ms; a 12 ms SLO admits up to 4.
  EXPECT_EQ(slo_max_index({1, 2, 4, 8}, {0.004, 0.006, 0.010, 0.018}, 0.012), 2u);
  EXPECT_EQ(slo_max_index({1, 2, 4, 8}, {0.004, 0.006, 0.010, 0.018}, 0.018), 3u);  // at the limit is within
}

TEST(SweepSlo, NothingPastTheFirstViolation) {
  // 8 dips back under the limit by noise: no safe point past 4's violation.
  EXPECT_EQ(slo_max_index({1, 2, 4, 8}, {0.004, 0.006, 0.013, 0.011}, 0.012), 1u);
  EXPECT_EQ(slo_max_index({1, 2}, {0.004, nan}, 0.012), 0u);
}

TEST(SweepSlo, FirstValueAlreadyMissesIt) {
  EXPECT_EQ(slo_max_index({1, 2}, {0.02, 0.03}, 0.012), std::nullopt);
}

TEST(SweepFigures, SortsPointsAndKneesOnTheParametersMetric) {
  const auto point = [](double v, double tps, double tflops, double p99) {
    return SweepPointFigures{.value = std::to_string(v), .numeric = v, .iterations = 1, .tokens_per_s = tps,
                             .tflops_per_rank = tflops, .p50_s = p99 / 2, .p99_s = p99};
  };
  // Stored in run order, reported by value.
  WorkloadSweep batch{.param = "batch", .values = {"4", "1", "2"}, .slo_p99_s = 0.005};
  const SweepFigures f = analyze_sweep(batch, {point(4, 1000, 1, 0.008), point(1, 400, 1, 0.002), point(2, 950, 1, 0.004)},
                                       false);
  ASSERT_EQ(f.points.size(), 3u);
  EXPECT_EQ(f.points[0].numeric, 1);
  EXPECT_EQ(f.points[2].numeric, 4);
  EXPECT_EQ(f.knee, 1u);     // batch 2: 950 ≥ 900
  EXPECT_EQ(f.slo_max, 1u);  // batch 2: 4 ms ≤ 5 ms, batch 4 is over
  // A wider model does more per token: its knee is on TFLOP/s per rank.
  WorkloadSweep hidden{.param = "hidden", .values = {"256", "512"}};
  const SweepFigures h = analyze_sweep(hidden, {point(256, 1000, 0.5, 1), point(512, 600, 1.0, 1)}, false);
  EXPECT_EQ(h.knee, 1u);
  EXPECT_EQ(h.slo_max, std::nullopt);  // no SLO asked for
}

TEST(SweepJson, RoundTrips) {
  const WorkloadSweep s{.param = "kv-hit", .values = {"0", "0.5", "0.9"}, .slo_p99_s = 0.05};
  const WorkloadSweep back = parse_sweep_json(sweep_to_json(s));
  EXPECT_EQ(back.param, "kv-hit");
  EXPECT_EQ(back.values, s.values);
  ASSERT_TRUE(back.slo_p99_s);
  EXPECT_DOUBLE_EQ(*back.slo_p99_s, 0.05);
  EXPECT_EQ(numeric_values(back), (std::vector<double>{0, 0.5, 0.9}));
}

TEST(SweepJson, RefusesWhatNoSweepWrites) {
  for (const char* bad : {
           "", "[]", "{}", R"({"param": "colour", "values": ["1"]})", R"({"param": "batch"})",
           R"({"param": "batch", "values": []})", R"({"param": "batch", "values": [1, 2]})",
           R"({"param": "batch", "values": ["1", "x"]})", R"({"param": "batch", "values": ["1", "1.0"]})",
           R"({"param": "batch", "values": ["inf"]})", R"({"param": "batch", "values": ["1"], "slo_p99_ms": 0})",
           R"({"param": "batch", "values": ["1"], "slo_p99_ms": "5"})",
           R"({"param": "batch", "values": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})"})
    EXPECT_THROW(parse_sweep_json(bad), std::runtime_error) << bad;
  std::string many = R"({"param": "batch", "values": [)";
  for (int i = 1; i <= 65; ++i) many += (i > 1 ? ",\"" : "\"") + std::to_string(i) + "\"";
  EXPECT_THROW(parse_sweep_json(many + "]}"), std::runtime_error);
}

TEST(SweepParams, EveryParameterHasARunFlag) {
  for (const SweepParam& p : k_sweep_params) {
    EXPECT_TRUE(p.flag.starts_with("--")) << p.name;
    EXPECT_EQ(find_sweep_param(p.name), &p);
  }
  EXPECT_EQ(find_sweep_param("colour"), nullptr);
}

}  // namespace
}  // namespace flopwall
