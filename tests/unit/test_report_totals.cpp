// The report's accumulation in parts: the percentile sketch (exact up to its
// cap, then within its stated relative error, and the same whatever the
// order of its merges), and report totals of windows of iterations merged
// into the figures of the whole trace.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "analysis/report.hpp"
#include "analysis/report_accumulator.hpp"
#include "core/quantile_sketch.hpp"
#include "core/statistics.hpp"
#include "tests/common/step_reference.hpp"

using namespace flopwall;
using stats::QuantileSketch;

namespace {

std::vector<double> lognormal(std::size_t n, unsigned seed, double sign_flip_fraction = 0) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(-8, 1.5);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> v(n);
  for (double& x : v) x = (u(rng) < sign_flip_fraction ? -1 : 1) * d(rng);
  return v;
}

QuantileSketch sketch_of(const std::vector<double>& v, std::size_t begin, std::size_t end, std::size_t cap) {
  QuantileSketch s(cap);
  for (std::size_t i = begin; i < end; ++i) s.add(v[i]);
  return s;
}

constexpr double k_quantiles[] = {0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1};

}  // namespace

TEST(QuantileSketch, ExactUpToItsCapAsStatsPercentile) {
  const auto v = lognormal(1000, 1, 0.2);
  const QuantileSketch s = sketch_of(v, 0, v.size(), 1000);
  ASSERT_TRUE(s.exact());
  for (const double q : k_quantiles) EXPECT_EQ(s.percentile(q), stats::percentile(v, q)) << q;
  EXPECT_EQ(s.max(), stats::max(v));
  EXPECT_EQ(s.count(), 1000u);
}

TEST(QuantileSketch, PastItsCapWithinTheStatedRelativeError) {
  for (const double flip : {0.0, 0.3}) {
    const auto v = lognormal(200'000, 2, flip);
    const QuantileSketch s = sketch_of(v, 0, v.size(), 1000);
    ASSERT_FALSE(s.exact());
    for (const double q : k_quantiles) {
      const double exact = stats::percentile(v, q);
      EXPECT_LE(std::fabs(s.percentile(q) - exact), QuantileSketch::k_relative_error * std::fabs(exact) * (1 + 1e-12))
          << "q " << q << " flip " << flip;
    }
    EXPECT_EQ(s.max(), stats::max(v));
  }
}

TEST(QuantileSketch, NaNIsLeftOutAndEmptyIsNaN) {
  QuantileSketch s;
  EXPECT_TRUE(std::isnan(s.percentile(0.5)));
  EXPECT_TRUE(std::isnan(s.max()));
  s.add(std::nan(""));
  s.add(2.0);
  EXPECT_EQ(s.count(), 1u);
  EXPECT_EQ(s.percentile(0.5), 2.0);
}

TEST(QuantileSketch, MergesInAnyOrderToTheSameSketch) {
  const auto v = lognormal(30'000, 3, 0.1);
  // Below the cap (exact), across it, and with parts already past it.
  for (const std::size_t cap : {std::size_t{40'000}, std::size_t{20'000}, std::size_t{5'000}}) {
    const std::size_t a = 7'000, b = 19'000;
    QuantileSketch p0 = sketch_of(v, 0, a, cap), p1 = sketch_of(v, a, b, cap), p2 = sketch_of(v, b, v.size(), cap);
    QuantileSketch forward = p0, backward = p2, middle = p1;
    forward.merge(p1);
    forward.merge(p2);
    backward.merge(p1);
    backward.merge(p0);
    middle.merge(p2);
    middle.merge(p0);
    const QuantileSketch whole = sketch_of(v, 0, v.size(), cap);
    EXPECT_EQ(forward.exact(), whole.exact());
    for (const double q : k_quantiles) {
      EXPECT_EQ(forward.percentile(q), whole.percentile(q)) << cap << " " << q;
      EXPECT_EQ(backward.percentile(q), whole.percentile(q)) << cap << " " << q;
      EXPECT_EQ(middle.percentile(q), whole.percentile(q)) << cap << " " << q;
    }
    // And through the bytes the processes exchange.
    ByteWriter out;
    forward.write(out);
    ByteReader in(out.bytes());
    const QuantileSketch back = QuantileSketch::read(in);
    for (const double q : k_quantiles) EXPECT_EQ(back.percentile(q), whole.percentile(q));
  }
}

namespace {

// Three ranks, two tp groups ({0, 1} and {2}), five iterations of a gemm,
// an allreduce and a gelu; rank 1 arrives late at odd iterations.
TraceData three_rank_trace() {
  TraceData t;
  t.header.world_size = 3;
  t.header.backend = "cpu";
  t.header.config_json = R"({"model":"tiny"})";
  t.ops = {{"gemm", OpKind::compute, 0, "none"}, {"allreduce", OpKind::comm, 0, "tp"},
           {"gelu", OpKind::memory, 0, "none"}, {"gemm", OpKind::compute, 1, "none"}};
  for (int r = 0; r < 3; ++r) {
    RankTrace rank{.rank = r, .info = {}, .events = {}};
    rank.info.hostname = "node0";
    rank.info.clock_error_ns = 100 * r;
    rank.info.groups = {{"tp", r / 2}};
    for (std::int32_t i = 0; i < 5; ++i) {
      const std::int64_t base = i * 10'000'000LL, arrival = base + 1'000'003 + (r == 1 && i % 2 ? 300'007 : 17 * r);
      rank.events.push_back({i, 0, base, arrival - 1000, 1'000'000'007ULL, 11, 0});
      rank.events.push_back({i, 1, arrival, base + 1'600'000, 0, 0, 4096});
      rank.events.push_back({i, 2, base + 1'600'000, base + 1'700'013, 0, 777, 0});
      rank.events.push_back({i, 3, base + 1'700'013, base + 2'000'000 + 31 * i, 3, 5, 0});
    }
    t.ranks.push_back(rank);
  }
  return t;
}

// Totals of the windows [0, 2), [2, 3), [3, 5) of `t`, each accumulated on
// its own (its rows, spans and arrivals) and merged in the given order.
ReportTotals windowed_totals(const TraceData& t, const std::vector<int>& order) {
  const std::int64_t bounds[] = {0, 2, 3, 5};
  std::vector<ReportTotals> parts;
  for (int w = 0; w < 3; ++w) {
    ReportAccumulator acc(t);
    std::vector<std::vector<IterationSpanRow>> spans(t.ranks.size());
    std::vector<std::vector<CommArrival>> arrivals(t.ranks.size());
    TraceWindow window{.first_iter = bounds[w], .end_iter = bounds[w + 1], .spans = {}, .arrivals = {}};
    for (std::size_t r = 0; r < t.ranks.size(); ++r) {
      std::vector<TraceEvent> rows;
      for (const TraceEvent& e : t.ranks[r].events)
        if (e.iter >= bounds[w] && e.iter < bounds[w + 1]) rows.push_back(e);
      acc.add_events(r, rows);
      for (const TraceEvent& e : rows) {
        if (spans[r].empty() || spans[r].back().iter != e.iter) spans[r].push_back({e.iter, e.t_start_ns, e.t_end_ns});
        spans[r].back().start_ns = std::min(spans[r].back().start_ns, e.t_start_ns);
        spans[r].back().end_ns = std::max(spans[r].back().end_ns, e.t_end_ns);
        if (acc.is_comm(e.op)) arrivals[r].push_back({e.op, e.iter, e.t_start_ns, e.t_end_ns});
      }
      window.spans.emplace_back(spans[r]);
      window.arrivals.emplace_back(arrivals[r]);
    }
    acc.consume(window);
    parts.push_back(ReportTotals::deserialize(acc.totals().serialize()));
  }
  ReportTotals total = parts[static_cast<std::size_t>(order[0])];
  for (std::size_t k = 1; k < order.size(); ++k) total.merge(parts[static_cast<std::size_t>(order[k])]);
  return total;
}

std::string json_of(const TraceData& t, ReportTotals totals) {
  return Report::build(t, std::make_shared<const ReportTotals>(std::move(totals)), "t.h5", std::nullopt).json().dump();
}

}  // namespace

TEST(ReportTotals, WindowsMergedInAnyOrderGiveTheWholeTracesReport) {
  const TraceData t = three_rank_trace();
  const Report whole = Report::build(t, "t.h5", std::nullopt);
  const std::string expected = whole.json().dump();
  EXPECT_EQ(json_of(t, windowed_totals(t, {0, 1, 2})), expected);
  EXPECT_EQ(json_of(t, windowed_totals(t, {2, 0, 1})), expected);
  const auto parts = Report::build(t, std::make_shared<const ReportTotals>(windowed_totals(t, {1, 2, 0})), "t.h5",
                                   std::nullopt);
  EXPECT_EQ(parts.text(), whole.text());
  EXPECT_EQ(parts.csv(), whole.csv());
  // The figures themselves: the late rank is seen, ops are by name.
  const nlohmann::json j = whole.json();
  EXPECT_EQ(j["iterations"], 5);
  EXPECT_EQ(j["ops"].size(), 3u);
  EXPECT_EQ(j["ops"][0]["count"], 30);
  EXPECT_EQ(j["sync"]["skew_us"]["instances"], 5);
}

TEST(ReportTotals, IterationsWithoutEventsAreStepsOfZero) {
  TraceData t = three_rank_trace();
  for (RankTrace& r : t.ranks)
    for (TraceEvent& e : r.events)
      if (e.iter >= 3) e.iter += 2;  // iterations 3 and 4 have no events
  const StepTimes steps = step_times_from(accumulate_trace(t));
  const StepTimes plain = reference::measure_step_times(t, 7);
  EXPECT_EQ(steps.count, 7);
  EXPECT_EQ(steps.p50_s, plain.p50_s);
  EXPECT_EQ(steps.max_s, plain.max_s);
  EXPECT_NEAR(steps.total_s, plain.total_s, 1e-15);
}

// A nonblocking collective (`N` started, `N_wait` completing it): the
// compute beside it is overlapped, its in-flight time runs from its start to
// its wait's end, and the op table's busbw is taken over that time.
TEST(AsyncCollectives, OverlapAndInFlightFromTheRowsInOrder) {
  TraceData t;
  t.header.world_size = 1;
  t.header.config_json = R"({"mode": "train"})";
  t.ops = {{.name = "mlp_wgrad", .kind = OpKind::compute, .layer = 0, .group = "none"},
           {.name = "grad_allreduce_b0", .kind = OpKind::comm, .layer = -1, .group = "dp", .collective = "allreduce"},
           {.name = "qkv_wgrad", .kind = OpKind::compute, .layer = 0, .group = "none"},
           {.name = "grad_allreduce_b1", .kind = OpKind::comm, .layer = -1, .group = "dp", .collective = "allreduce"},
           {.name = "ln_bwd", .kind = OpKind::memory, .layer = 0, .group = "none"},
           {.name = "grad_allreduce_b0_wait", .kind = OpKind::comm, .layer = -1, .group = "dp", .collective = "allreduce"},
           {.name = "grad_allreduce_b1_wait", .kind = OpKind::comm, .layer = -1, .group = "dp", .collective = "allreduce"}};
  const AsyncOps a = async_ops(t.ops);
  EXPECT_EQ(a.role[1], AsyncRole::start);
  EXPECT_EQ(a.role[5], AsyncRole::wait);
  EXPECT_EQ(a.partner[1], 5);
  EXPECT_EQ(a.partner[6], 3);
  EXPECT_EQ(a.role[0], AsyncRole::none);
  RankTrace r{.rank = 0};
  // Two iterations alike: 0-100 wgrad, 100-110 start b0, 110-300 qkv, 300-305 start b1, 305-400 ln, 400-450 wait b0,
  // 450-460 wait b1.
  for (int iter = 0; iter < 2; ++iter) {
    const std::int64_t o = iter * 1000;
    const std::int64_t spans[][2] = {{0, 100}, {100, 110}, {110, 300}, {300, 305}, {305, 400}, {400, 450}, {450, 460}};
    for (int op = 0; op < 7; ++op)
      r.events.push_back({.iter = iter, .op = op, .t_start_ns = o + spans[op][0], .t_end_ns = o + spans[op][1],
                          .flops = 0, .bytes_mem = 0, .bytes_comm = op == 1 ? 3500u : 0u});
  }
  t.ranks.push_back(r);
  const ReportTotals totals = accumulate_trace(t);
  // qkv (190) and ln (95) ran while one was in flight; wgrad before any.
  EXPECT_EQ(totals.ranks[0].overlapped_ns.value(), 2 * (190 + 95));
  // From b0's start (100) to the last wait's end (460).
  EXPECT_EQ(totals.ranks[0].in_flight_ns.value(), 2 * 360);
  const OpNames names = report_op_names(t.ops);
  const OpTotals& b0 = totals.ops[names.of_op[1]];
  EXPECT_EQ(b0.in_flight_count, 2u);
  EXPECT_EQ(b0.in_flight_ns.value(), 2 * (450 - 100));
  // Merged in two parts, the same.
  ReportTotals first = accumulate_trace(t);
  first.merge(ReportTotals::deserialize(totals.serialize()));
  EXPECT_EQ(first.ranks[0].overlapped_ns.value(), 4 * (190 + 95));
  EXPECT_EQ(first.ops[names.of_op[1]].in_flight_count, 4u);
  // The op table: b0 moved 3500 bytes per event over its 350 ns in flight, not over its 10 ns start.
  const Report report = Report::build(t, "t.h5", std::nullopt);
  const nlohmann::json j = report.json();
  for (const auto& op : j["ops"])
    if (op["name"] == "grad_allreduce_b0") EXPECT_NEAR(op["busbw_gbytes_per_s"].get<double>(), 10.0, 1e-9);
  EXPECT_EQ(j["train"]["overlap_grad_reduce"], true);
  EXPECT_EQ(j["train"]["grad_buckets"], 2);
  EXPECT_NEAR(j["train"]["overlapped_comm_s"].get<double>(), 285e-9, 1e-15);
  EXPECT_NEAR(j["train"]["grad_allreduce_in_flight_s"].get<double>(), 360e-9, 1e-15);
}
