#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "analysis/sections/sync_section.hpp"
#include "platform/host_ticks.hpp"
#include "platform/steady_timer.hpp"
#include "core/error.hpp"
#include "runtime/injection.hpp"
#include "trace/trace_data.hpp"
#include "tests/common/step_reference.hpp"

using namespace flopwall;

namespace {

constexpr std::int32_t k_compute = 0, k_allreduce = 1, k_gelu = 2;
constexpr std::int64_t k_gap_ns = 100'000;   // idle gap between compute_a and allreduce
constexpr std::int64_t k_gelu_ns = 50'000;   // gelu duration after the allreduce
constexpr std::int64_t k_transfer_ns = 200'000;  // allreduce time after the last arrival

// Ranks 0..n-1, one tp group id each.
TraceData make_trace(const std::vector<std::int64_t>& tp_groups) {
  TraceData t;
  t.ops = {{.name = "compute_a", .kind = OpKind::compute, .layer = 0, .group = "none"},
           {.name = "allreduce", .kind = OpKind::comm, .layer = 0, .group = "tp"},
           {.name = "gelu", .kind = OpKind::memory, .layer = 0, .group = "none"}};
  for (std::size_t r = 0; r < tp_groups.size(); ++r) {
    RankTrace rt;
    rt.rank = static_cast<int>(r);
    rt.info.groups = {{"tp", tp_groups[r]}};
    t.ranks.push_back(rt);
  }
  return t;
}

void add_event(TraceData& t, int rank, std::int32_t iter, std::int32_t op, std::int64_t s, std::int64_t e) {
  t.ranks[static_cast<std::size_t>(rank)].events.push_back({iter, op, s, e, 0, 0, 0});
}

// One iteration on every rank: compute_a [base, base+arr−gap], allreduce
// [base+arr, base+last arrival of its group+transfer], gelu after it.
void add_iteration(TraceData& t, std::int32_t iter, std::int64_t base, const std::vector<std::int64_t>& arrivals) {
  for (std::size_t r = 0; r < arrivals.size(); ++r) {
    std::int64_t last = 0;
    for (std::size_t q = 0; q < arrivals.size(); ++q)
      if (t.ranks[q].info.groups == t.ranks[r].info.groups) last = std::max(last, arrivals[q]);
    const int rank = static_cast<int>(r);
    const std::int64_t comm_end = base + last + k_transfer_ns;
    add_event(t, rank, iter, k_compute, base, base + arrivals[r] - k_gap_ns);
    add_event(t, rank, iter, k_allreduce, base + arrivals[r], comm_end);
    add_event(t, rank, iter, k_gelu, comm_end, comm_end + k_gelu_ns);
  }
}

constexpr double k_eps = 1e-12;

}  // namespace

// ---------------------------------------------------------------- analyze_sync

TEST(SyncAnalysis, SkewAndPerRankSplitMatchHandComputation) {
  TraceData t = make_trace({0, 0, 0});
  // Arrivals (ns after the iteration's base) of ranks 0, 1, 2.
  const std::vector<std::vector<std::int64_t>> arr = {{1'000'000, 1'200'000, 1'500'000},   // skew 500 us, r2 last
                                                      {1'300'000, 1'000'000, 1'100'000},   // skew 300 us, r0 last
                                                      {1'000'000, 1'900'000, 1'050'000},   // skew 900 us, r1 last
                                                      {1'100'000, 1'200'000, 1'000'000}};  // skew 200 us, r1 last
  for (std::size_t i = 0; i < arr.size(); ++i)
    add_iteration(t, static_cast<std::int32_t>(i), static_cast<std::int64_t>(i) * 10'000'000, arr[i]);

  const SyncReport rep = reference::analyze_sync(t, {});
  EXPECT_TRUE(rep.has_collectives);
  EXPECT_EQ(rep.instances, 4);
  EXPECT_EQ(rep.unresolved, 0);
  // Skews 200, 300, 500, 900 us.
  EXPECT_NEAR(rep.skew_p50_us, 400.0, k_eps);
  EXPECT_NEAR(rep.skew_p99_us, 500.0 + 0.97 * 400.0, 1e-9);
  EXPECT_NEAR(rep.skew_max_us, 900.0, k_eps);
  ASSERT_EQ(rep.ops.size(), 1u);
  EXPECT_EQ(rep.ops[0].name, "allreduce");
  EXPECT_EQ(rep.ops[0].instances, 4);
  EXPECT_NEAR(rep.ops[0].p50_us, 400.0, k_eps);
  EXPECT_NEAR(rep.ops[0].max_us, 900.0, k_eps);
  EXPECT_EQ(rep.ops[0].clock_error_us, 0.0);

  ASSERT_EQ(rep.ranks.size(), 3u);
  // wait = last − own arrival: r0 500+0+900+100, r1 300+300+0+0, r2 0+200+850+200 (us), over 4 iterations.
  const double wait_s[] = {375e-6, 150e-6, 312.5e-6};
  // compute = (arrival − gap) + gelu per iteration.
  const double compute_s[] = {1.05e-3, 1.275e-3, 1.1125e-3};
  const std::int64_t times_last[] = {1, 2, 1};
  for (int r = 0; r < 3; ++r) {
    SCOPED_TRACE(r);
    const SyncRank& s = rep.ranks[static_cast<std::size_t>(r)];
    EXPECT_EQ(s.rank, r);
    EXPECT_NEAR(s.wait_s, wait_s[r], k_eps);
    EXPECT_NEAR(s.comm_s, k_transfer_ns * 1e-9, k_eps);  // exposed: the transfer after the last arrival
    EXPECT_NEAR(s.compute_s, compute_s[r], k_eps);
    EXPECT_NEAR(s.other_s, k_gap_ns * 1e-9, k_eps);       // span − compute − comm − wait: the idle gap
    EXPECT_NEAR(s.mean_wait_us, wait_s[r] * 1e6, 1e-9);
    EXPECT_EQ(s.instances, 4);
    EXPECT_EQ(s.times_last, times_last[r]);
    EXPECT_NEAR(s.expected_last, 4.0 / 3.0, k_eps);
    EXPECT_NEAR(s.last_arrival_fraction, static_cast<double>(times_last[r]) / 4.0, k_eps);
  }
  // r1 last at iter 2 (1900 − 1050) and iter 3 (1200 − 1100).
  EXPECT_NEAR(rep.ranks[1].mean_lateness_us, 475.0, 1e-9);
  EXPECT_NEAR(rep.ranks[0].mean_lateness_us, 200.0, 1e-9);  // 1300 − 1100
  EXPECT_NEAR(rep.ranks[2].mean_lateness_us, 300.0, 1e-9);  // 1500 − 1200
  EXPECT_TRUE(rep.stragglers.empty());
}

TEST(SyncAnalysis, WaitIsClampedToTheCommDuration) {
  TraceData t = make_trace({0, 0});
  add_event(t, 0, 0, k_allreduce, 0, 100'000);        // ends before rank 1 arrives
  add_event(t, 1, 0, k_allreduce, 500'000, 600'000);
  const SyncReport rep = reference::analyze_sync(t, {});
  EXPECT_NEAR(rep.skew_max_us, 500.0, k_eps);
  EXPECT_NEAR(rep.ranks[0].wait_s, 100e-6, k_eps);
  EXPECT_NEAR(rep.ranks[0].comm_s, 0.0, k_eps);
  EXPECT_NEAR(rep.ranks[1].wait_s, 0.0, k_eps);
  EXPECT_NEAR(rep.ranks[1].comm_s, 100e-6, k_eps);
}

TEST(SyncAnalysis, ConsistentlyLateRankIsTheOnlyStraggler) {
  TraceData t = make_trace({0, 0, 0});
  const int iters = 20;
  for (int i = 0; i < iters; ++i)  // rank 2 arrives 10 ms after rank 1, every time
    add_iteration(t, i, static_cast<std::int64_t>(i) * 20'000'000, {1'000'000, 1'010'000, 11'010'000});
  const SyncReport rep = reference::analyze_sync(t, reference::step_times_of(std::vector<double>(iters, 1e-3)));
  EXPECT_NEAR(rep.lateness_threshold_us, 100.0, 1e-9);  // a tenth of the 1 ms median step
  EXPECT_NEAR(rep.skew_p50_us, 10'010.0, 1e-9);
  ASSERT_EQ(rep.stragglers.size(), 1u);
  EXPECT_EQ(rep.stragglers[0].rank, 2);
  EXPECT_DOUBLE_EQ(rep.stragglers[0].last_arrival_fraction, 1.0);
  EXPECT_NEAR(rep.stragglers[0].mean_lateness_us, 10'000.0, 1e-9);
  EXPECT_EQ(rep.ranks[2].times_last, iters);
  EXPECT_GT(rep.ranks[2].z_score, 3.0);
  EXPECT_EQ(rep.ranks[0].times_last, 0);
  EXPECT_EQ(rep.ranks[1].times_last, 0);
  EXPECT_LT(rep.ranks[0].z_score, 0.0);
}

TEST(SyncAnalysis, BalancedTraceHasNoStragglers) {
  TraceData t = make_trace({0, 0, 0});
  const int iters = 30;
  for (int i = 0; i < iters; ++i) {  // rank i % 3 last, 20 us after the others
    std::vector<std::int64_t> a(3, 1'000'000);
    a[static_cast<std::size_t>(i % 3)] += 20'000;
    add_iteration(t, i, static_cast<std::int64_t>(i) * 5'000'000, a);
  }
  const SyncReport rep = reference::analyze_sync(t, {});
  EXPECT_EQ(rep.instances, iters);
  for (const SyncRank& s : rep.ranks) {
    EXPECT_EQ(s.times_last, iters / 3);
    EXPECT_NEAR(s.last_arrival_fraction, 1.0 / 3.0, k_eps);
    EXPECT_NEAR(s.mean_lateness_us, 20.0, 1e-9);
    EXPECT_NEAR(s.z_score, 0.0, 1e-9);
  }
  EXPECT_TRUE(rep.stragglers.empty());
}

TEST(SyncAnalysis, SkewWithinSummedClockErrorIsUnresolved) {
  TraceData t = make_trace({0, 0, 0});
  t.ranks[0].info.clock_error_ns = 30'000;
  t.ranks[1].info.clock_error_ns = 10'000;
  t.ranks[2].info.clock_error_ns = 50'000;
  const std::int64_t o = 1'000'000;
  add_iteration(t, 0, 0, {o, o + 40'000, o + 20'000});           // r0..r1: 40 us <= 30+10  unresolved
  add_iteration(t, 1, 10'000'000, {o, o + 30'000, o + 79'000});  // r0..r2: 79 us <= 30+50  unresolved
  add_iteration(t, 2, 20'000'000, {o + 10'000, o, o + 61'000});  // r1..r2: 61 us >  10+50  resolved
  add_iteration(t, 3, 30'000'000, {o, o + 41'000, o + 20'000});  // r0..r1: 41 us >  30+10  resolved
  const SyncReport rep = reference::analyze_sync(t, {});
  EXPECT_EQ(rep.instances, 4);
  EXPECT_EQ(rep.unresolved, 2);
  ASSERT_EQ(rep.ops.size(), 1u);
  EXPECT_EQ(rep.ops[0].unresolved, 2);
  EXPECT_NEAR(rep.ops[0].clock_error_us, 80.0, k_eps);
  EXPECT_NEAR(rep.skew_max_us, 79.0, k_eps);
}

TEST(SyncAnalysis, GroupsFormSeparateInstancesAndSingletonsAreIgnored) {
  TraceData t = make_trace({0, 0, 1, 1, 2});  // rank 4 alone in tp group 2
  const int iters = 3;
  for (int i = 0; i < iters; ++i)  // group 0 skew 100 us, group 1 skew 300 us
    add_iteration(t, i, static_cast<std::int64_t>(i) * 10'000'000,
                  {1'000'000, 1'100'000, 1'300'000, 1'000'000, 1'000'000});
  const SyncReport rep = reference::analyze_sync(t, {});
  EXPECT_EQ(rep.instances, iters * 2);
  ASSERT_EQ(rep.ops.size(), 1u);
  EXPECT_EQ(rep.ops[0].instances, iters * 2);
  EXPECT_NEAR(rep.skew_p50_us, 200.0, k_eps);
  EXPECT_NEAR(rep.skew_max_us, 300.0, k_eps);
  for (int r = 0; r < 4; ++r) {
    EXPECT_EQ(rep.ranks[static_cast<std::size_t>(r)].instances, iters);
    EXPECT_NEAR(rep.ranks[static_cast<std::size_t>(r)].expected_last, 1.5, k_eps);
  }
  // Waits are relative to the rank's own group's last arrival.
  EXPECT_NEAR(rep.ranks[0].wait_s, 100e-6, k_eps);
  EXPECT_NEAR(rep.ranks[1].wait_s, 0.0, k_eps);
  EXPECT_NEAR(rep.ranks[2].wait_s, 0.0, k_eps);
  EXPECT_NEAR(rep.ranks[3].wait_s, 300e-6, k_eps);
  EXPECT_EQ(rep.ranks[1].times_last, iters);
  EXPECT_EQ(rep.ranks[2].times_last, iters);
  EXPECT_EQ(rep.ranks[4].instances, 0);
  EXPECT_EQ(rep.ranks[4].times_last, 0);
}

TEST(SyncAnalysis, StepPercentilesInterpolateLinearly) {
  const std::vector<double> steps = {0.010, 0.012, 0.011, 0.013, 0.050, 0.011, 0.012, 0.010, 0.014, 0.015};
  // Sorted: .010 .010 .011 .011 .012 .012 .013 .014 .015 .050; position (n−1)·q.
  const SyncReport rep = reference::analyze_sync(make_trace({0, 0}), reference::step_times_of(steps));
  EXPECT_NEAR(rep.step_p50_s, 0.012, 1e-12);                  // pos 4.5
  EXPECT_NEAR(rep.step_p90_s, 0.015 + 0.1 * 0.035, 1e-12);    // pos 8.1
  EXPECT_NEAR(rep.step_p99_s, 0.015 + 0.91 * 0.035, 1e-12);   // pos 8.91
  EXPECT_NEAR(rep.step_p999_s, 0.015 + 0.991 * 0.035, 1e-12);  // pos 8.991
  EXPECT_DOUBLE_EQ(rep.step_max_s, 0.050);
  EXPECT_NEAR(rep.lateness_threshold_us, 1200.0, 1e-9);  // 0.1 × 12 ms
  EXPECT_FALSE(rep.has_collectives);
}

// ---------------------------------------------------------------- injection

TEST(Injection, ParseInjectDelayAcceptsValidForms) {
  InjectionConfig c;
  parse_inject_delay("2:250.5:10", c);
  EXPECT_EQ(c.delay_rank, 2);
  EXPECT_DOUBLE_EQ(c.delay_us, 250.5);
  EXPECT_EQ(c.delay_every, 10);
  parse_inject_delay("1:500", c);  // EVERY defaults back to 1
  EXPECT_EQ(c.delay_rank, 1);
  EXPECT_DOUBLE_EQ(c.delay_us, 500.0);
  EXPECT_EQ(c.delay_every, 1);
  EXPECT_TRUE(c.active());
}

TEST(Injection, ParseInjectDelayRejectsInvalidForms) {
  for (const std::string bad : {"", "1", "a:5", "1:-5", "1:5:0", "1:5:2:3", "-1:5"}) {
    SCOPED_TRACE(bad);
    InjectionConfig c;
    try {
      parse_inject_delay(bad, c);
      ADD_FAILURE() << "accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--inject-delay"), std::string::npos) << e.what();
    }
    EXPECT_EQ(c.delay_rank, -1);  // untouched on failure
    EXPECT_FALSE(c.active());
  }
}

TEST(Injection, FixedDelayLandsOnEveryNthIterationOfTheDelayedRank) {
  InjectionConfig c;
  c.delay_rank = 1;
  c.delay_us = 250.5;
  c.delay_every = 10;
  const auto r1 = injected_delays_ns(c, 1, 35);
  const auto r0 = injected_delays_ns(c, 0, 35);
  ASSERT_EQ(r1.size(), 35u);
  ASSERT_EQ(r0.size(), 35u);
  for (int i = 0; i < 35; ++i) {
    EXPECT_EQ(r1[static_cast<std::size_t>(i)], i % 10 == 0 ? 250'500 : 0) << i;
    EXPECT_EQ(r0[static_cast<std::size_t>(i)], 0) << i;
  }
}

TEST(Injection, JitterIsDeterministicPerRankAndHasTheRequestedMean) {
  InjectionConfig c;
  c.delay_rank = 1;
  c.delay_us = 500;
  c.jitter_mean_us = 40;
  const int n = 20000;
  const auto r1 = injected_delays_ns(c, 1, n);
  EXPECT_EQ(r1, injected_delays_ns(c, 1, n));
  const auto r0 = injected_delays_ns(c, 0, n);
  const auto r2 = injected_delays_ns(c, 2, n);
  EXPECT_NE(r0, r2);
  for (std::int64_t v : r1) ASSERT_GE(v, 500'000);
  for (std::int64_t v : r0) ASSERT_GE(v, 0);
  const auto mean = [](const std::vector<std::int64_t>& v, std::int64_t fixed) {
    return (static_cast<double>(std::accumulate(v.begin(), v.end(), std::int64_t{0})) -
            static_cast<double>(fixed) * static_cast<double>(v.size())) / static_cast<double>(v.size());
  };
  EXPECT_NEAR(mean(r0, 0), 40'000.0, 0.05 * 40'000.0);
  EXPECT_NEAR(mean(r2, 0), 40'000.0, 0.05 * 40'000.0);
  EXPECT_NEAR(mean(r1, 500'000), 40'000.0, 0.05 * 40'000.0);
}

// ---------------------------------------------------------------- host ticks

TEST(HostTicks, NowIsMonotonic) {
  std::int64_t prev = host_ticks::now();
  for (int i = 0; i < 200'000; ++i) {
    const std::int64_t t = host_ticks::now();
    ASSERT_GE(t, prev) << i;
    prev = t;
  }
}

TEST(HostTicks, ToNsInterpolatesBetweenAnchors) {
  const host_ticks::Anchor a{.ticks = 1000, .ns = 5000}, b{.ticks = 3000, .ns = 6000};
  EXPECT_EQ(host_ticks::to_ns(1000, a, b), 5000);
  EXPECT_EQ(host_ticks::to_ns(3000, a, b), 6000);
  EXPECT_EQ(host_ticks::to_ns(2000, a, b), 5500);
  EXPECT_EQ(host_ticks::to_ns(1500, a, b), 5250);
  EXPECT_EQ(host_ticks::to_ns(2600, a, b), 5800);
}

TEST(HostTicks, RealAnchorsBracketAStampTakenBetweenThem) {
  using namespace std::chrono_literals;
  const host_ticks::Anchor a = host_ticks::anchor();
  std::this_thread::sleep_for(5ms);
  const std::int64_t stamp = host_ticks::now();
  const std::int64_t steady = steady_now_ns();
  std::this_thread::sleep_for(5ms);
  const host_ticks::Anchor b = host_ticks::anchor();
  ASSERT_GT(b.ns - a.ns, 10'000'000 - 1);
  const std::int64_t ns = host_ticks::to_ns(stamp, a, b);
  EXPECT_GT(ns, a.ns);
  EXPECT_LT(ns, b.ns);
  EXPECT_GE(ns - a.ns, 4'000'000);
  EXPECT_NEAR(static_cast<double>(ns), static_cast<double>(steady), 1e6);  // within 1 ms of the clock read beside it
}
