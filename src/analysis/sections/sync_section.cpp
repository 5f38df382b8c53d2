#include "analysis/sections/sync_section.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "analysis/json_number.hpp"
#include "analysis/report_accumulator.hpp"
#include "core/statistics.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

constexpr double k_z_straggler = 3.0;             // one-sided binomial test, p ≈ 0.13%
constexpr double k_lateness_floor_us = 50.0;      // below this, lateness is scheduler noise
constexpr double k_lateness_step_fraction = 0.1;  // ... or a tenth of the median step
constexpr std::int64_t k_min_times_last = 3;      // lateness needs a few instances to mean anything
constexpr double k_lateness_ratio = 3.0;          // "by far": against the other ranks' lateness

}  // namespace

SyncReport sync_report(const TraceData& meta, const ReportTotals& totals, const StepTimes& steps) {
  SyncReport rep;
  if (!steps.empty()) {
    rep.step_p50_s = steps.p50_s;
    rep.step_p90_s = steps.p90_s;
    rep.step_p99_s = steps.p99_s;
    rep.step_p999_s = steps.p999_s;
    rep.step_max_s = steps.max_s;
  }
  const std::size_t n_ranks = std::min(meta.ranks.size(), totals.ranks.size());
  rep.ranks.resize(n_ranks);
  rep.has_collectives = totals.has_collectives;
  rep.instances = totals.instances;
  rep.unresolved = totals.unresolved;
  rep.skew_p50_us = totals.skew_us.percentile(0.5);
  rep.skew_p99_us = totals.skew_us.percentile(0.99);
  rep.skew_max_us = totals.skew_us.max();
  // By op name, the same collective of every layer together, in the order
  // of their first op ids.
  const OpNames names = report_op_names(meta.ops);
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < totals.sync_ops.size() && i < names.names.size(); ++i)
    if (totals.sync_ops[i].skew_us.count() > 0) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return totals.sync_ops[a].first_op < totals.sync_ops[b].first_op;
  });
  for (const std::size_t i : order) {
    const SyncOpTotals& op = totals.sync_ops[i];
    rep.ops.push_back({.name = names.names[i], .instances = static_cast<std::int64_t>(op.skew_us.count()),
                       .p50_us = op.skew_us.percentile(0.5), .p99_us = op.skew_us.percentile(0.99),
                       .max_us = op.skew_us.max(), .clock_error_us = op.clock_error_us, .unresolved = op.unresolved});
  }

  rep.lateness_threshold_us = std::max(k_lateness_floor_us, k_lateness_step_fraction * rep.step_p50_s * 1e6);
  double lateness_total_ns = 0;
  std::int64_t last_total = 0;
  for (std::size_t r = 0; r < n_ranks; ++r) {
    lateness_total_ns += totals.ranks[r].lateness_ns.value();
    last_total += totals.ranks[r].times_last;
  }
  std::vector<std::pair<double, Straggler>> stragglers;  // with their cost
  for (std::size_t r = 0; r < n_ranks; ++r) {
    SyncRank& s = rep.ranks[r];
    const RankTotals& t = totals.ranks[r];
    s.rank = meta.ranks[r].rank;
    s.instances = t.instances;
    s.times_last = t.times_last;
    double variance = 0;
    for (const RankTotals::GroupSize& g : t.group_sizes) {
      const double chance = 1.0 / static_cast<double>(g.size);
      for (std::int64_t k = 0; k < g.instances; ++k) {
        s.expected_last += chance;
        variance += chance * (1 - chance);
      }
    }
    const double iters = static_cast<double>(std::max<std::int64_t>(1, t.iterations));
    const double compute_ns = t.compute_ns.value() + t.memory_ns.value(), comm_ns = t.exposed_comm_ns.value(),
                 wait_ns = t.wait_ns.value(), lateness_ns = t.lateness_ns.value();
    s.compute_s = compute_ns / iters / 1e9;
    s.comm_s = comm_ns / iters / 1e9;
    s.wait_s = wait_ns / iters / 1e9;
    s.other_s = (t.span_ns.value() - compute_ns - comm_ns - wait_ns) / iters / 1e9;
    if (s.instances > 0) {
      s.mean_wait_us = wait_ns / static_cast<double>(s.instances) / 1e3;
      s.last_arrival_fraction = static_cast<double>(s.times_last) / static_cast<double>(s.instances);
    }
    if (s.times_last > 0) s.mean_lateness_us = lateness_ns / static_cast<double>(s.times_last) / 1e3;
    s.z_score = variance > 0 ? (static_cast<double>(s.times_last) - s.expected_last) / std::sqrt(variance) : 0;
    // The other ranks' mean lateness when they were last: the noise level.
    const std::int64_t others_last = last_total - s.times_last;
    const double others_lateness_us =
        others_last > 0 ? (lateness_total_ns - lateness_ns) / static_cast<double>(others_last) / 1e3 : 0;
    // A straggler must cost something: later, when last, than the threshold
    // (a tenth of the median step, at least 50 us). Then either it is last
    // significantly more often than chance, or it is last repeatedly and far
    // later than the others are when they are last: a rank that holds
    // everyone up at one collective of each step is last less often than
    // chance overall, but by far.
    const bool late = s.mean_lateness_us > rep.lateness_threshold_us;
    const bool too_often = s.z_score > k_z_straggler;
    const bool by_far =
        s.times_last >= k_min_times_last && s.mean_lateness_us > k_lateness_ratio * others_lateness_us;
    if (late && (too_often || by_far))
      stragglers.push_back({s.mean_lateness_us * static_cast<double>(s.times_last),
                            {.rank = s.rank, .last_arrival_fraction = s.last_arrival_fraction,
                             .mean_lateness_us = s.mean_lateness_us}});
  }
  // Worst first: the most time others spent waiting on this rank while it was last.
  std::sort(stragglers.begin(), stragglers.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [cost, straggler] : stragglers) rep.stragglers.push_back(straggler);
  return rep;
}

namespace {

std::string sync_text(const SyncReport& s) {
  std::string out;
  auto o = std::back_inserter(out);
  fmt::format_to(o, "\nsynchronization\n");
  if (s.step_max_s > 0)
    fmt::format_to(o, "  step time    p50 {}  p90 {}  p99 {}  p99.9 {}  max {}\n", units::seconds(s.step_p50_s),
                   units::seconds(s.step_p90_s), units::seconds(s.step_p99_s), units::seconds(s.step_p999_s),
                   units::seconds(s.step_max_s));
  if (!s.has_collectives) {
    fmt::format_to(o, "  no collective ran on two or more ranks: nothing to align\n");
    return out;
  }
  fmt::format_to(o, "  arrival skew over {} collective instances: p50 {}  p99 {}  max {}", s.instances,
                 units::seconds(s.skew_p50_us / 1e6), units::seconds(s.skew_p99_us / 1e6),
                 units::seconds(s.skew_max_us / 1e6));
  if (s.unresolved > 0)
    fmt::format_to(o, "  ({} within the clock error: unresolved)", s.unresolved);
  fmt::format_to(o, "\n\n  {:<28} {:>9} {:>10} {:>10} {:>10} {:>11}\n", "collective op", "instances", "skew p50",
                 "skew p99", "skew max", "clock err");
  for (const SyncOpSkew& op : s.ops) {
    // A skew the clocks cannot resolve is printed as a bound, not as a figure.
    const auto skew = [&](double us) {
      return us <= op.clock_error_us ? fmt::format("<{}", units::seconds(op.clock_error_us / 1e6))
                                     : units::seconds(us / 1e6);
    };
    fmt::format_to(o, "  {:<28} {:>9} {:>10} {:>10} {:>10} {:>11}\n", op.name, op.instances, skew(op.p50_us),
                   skew(op.p99_us), skew(op.max_us), units::seconds(op.clock_error_us / 1e6));
  }
  fmt::format_to(o, "\n  {:>5} {:>10} {:>10} {:>10} {:>10} {:>11} {:>10} {:>13}\n", "rank", "compute", "comm", "wait",
                 "other", "mean wait", "last", "lateness/last");
  for (const SyncRank& r : s.ranks)
    fmt::format_to(o, "  {:>5} {:>10} {:>10} {:>10} {:>10} {:>11} {:>9.1f}% {:>13}\n", r.rank, units::seconds(r.compute_s),
                   units::seconds(r.comm_s), units::seconds(r.wait_s), units::seconds(r.other_s),
                   units::seconds(r.mean_wait_us / 1e6), 100 * r.last_arrival_fraction,
                   r.times_last ? units::seconds(r.mean_lateness_us / 1e6) : "-");
  if (s.stragglers.empty()) {
    fmt::format_to(o, "  stragglers: none (no rank arrives last more often than chance or later than {})\n",
                   units::seconds(s.lateness_threshold_us / 1e6));
  } else {
    for (const Straggler& g : s.stragglers)
      fmt::format_to(o, "  straggler: rank {} arrives last in {:.1f}% of its collectives, {} late on average\n", g.rank,
                     100 * g.last_arrival_fraction, units::seconds(g.mean_lateness_us / 1e6));
  }
  return out;
}

nlohmann::json sync_json(const SyncReport& s) {
  nlohmann::json stragglers = nlohmann::json::array(), ranks = nlohmann::json::array(), ops = nlohmann::json::array();
  for (const Straggler& g : s.stragglers)
    stragglers.push_back({{"rank", g.rank}, {"last_arrival_fraction", json_number(g.last_arrival_fraction)},
                          {"mean_lateness_us", json_number(g.mean_lateness_us)}});
  for (const SyncRank& r : s.ranks)
    ranks.push_back({{"rank", r.rank}, {"compute_s", json_number(r.compute_s)}, {"comm_s", json_number(r.comm_s)},
                     {"wait_s", json_number(r.wait_s)}, {"other_s", json_number(r.other_s)},
                     {"mean_wait_us", json_number(r.mean_wait_us)}, {"last_arrival_fraction", json_number(r.last_arrival_fraction)},
                     {"mean_lateness_us", json_number(r.mean_lateness_us)}, {"z_score", json_number(r.z_score)}});
  for (const SyncOpSkew& op : s.ops)
    ops.push_back({{"name", op.name}, {"instances", op.instances}, {"p50_us", json_number(op.p50_us)},
                   {"p99_us", json_number(op.p99_us)}, {"max_us", json_number(op.max_us)},
                   {"clock_error_us", json_number(op.clock_error_us)}, {"unresolved", op.unresolved}});
  return {{"step_time_s", {{"p50", json_number(s.step_p50_s)}, {"p90", json_number(s.step_p90_s)}, {"p99", json_number(s.step_p99_s)},
                           {"p999", json_number(s.step_p999_s)}, {"max", json_number(s.step_max_s)}}},
          {"skew_us", {{"p50", json_number(s.skew_p50_us)}, {"p99", json_number(s.skew_p99_us)}, {"max", json_number(s.skew_max_us)},
                       {"instances", s.instances}, {"unresolved", s.unresolved}}},
          {"lateness_threshold_us", json_number(s.lateness_threshold_us)},
          {"stragglers", stragglers},
          {"ranks", ranks},
          {"ops", ops}};
}

// Every figure of the JSON's `sync` object, one row each.
void add_sync_rows(const SyncReport& s, LongCsv& csv) {
  const auto all = [&](const char* metric, double v) { csv.row("sync", "all", metric, v); };
  all("step_time_p50_s", s.step_p50_s);
  all("step_time_p90_s", s.step_p90_s);
  all("step_time_p99_s", s.step_p99_s);
  all("step_time_p999_s", s.step_p999_s);
  all("step_time_max_s", s.step_max_s);
  all("skew_p50_us", s.skew_p50_us);
  all("skew_p99_us", s.skew_p99_us);
  all("skew_max_us", s.skew_max_us);
  all("skew_instances", static_cast<double>(s.instances));
  all("skew_unresolved", static_cast<double>(s.unresolved));
  all("lateness_threshold_us", s.lateness_threshold_us);
  for (const SyncOpSkew& op : s.ops) {
    const auto row = [&](const char* metric, double v) { csv.row("sync_ops", op.name, metric, v); };
    row("instances", static_cast<double>(op.instances));
    row("skew_p50_us", op.p50_us);
    row("skew_p99_us", op.p99_us);
    row("skew_max_us", op.max_us);
    row("clock_error_us", op.clock_error_us);
    row("unresolved", static_cast<double>(op.unresolved));
  }
  for (const SyncRank& r : s.ranks) {
    const std::string key = std::to_string(r.rank);
    const auto row = [&](const char* metric, double v) { csv.row("sync_ranks", key, metric, v); };
    row("compute_s", r.compute_s);
    row("comm_s", r.comm_s);
    row("wait_s", r.wait_s);
    row("other_s", r.other_s);
    row("mean_wait_us", r.mean_wait_us);
    row("last_arrival_fraction", r.last_arrival_fraction);
    row("mean_lateness_us", r.mean_lateness_us);
    row("z_score", r.z_score);
  }
  // Worst first, as in the JSON; a run without stragglers has no rows here.
  for (const Straggler& g : s.stragglers) {
    const std::string key = std::to_string(g.rank);
    csv.row("stragglers", key, "last_arrival_fraction", g.last_arrival_fraction);
    csv.row("stragglers", key, "mean_lateness_us", g.mean_lateness_us);
  }
}

class SyncSection final : public ReportSection {
 public:
  explicit SyncSection(const ReportContext& context)
      : m_sync(sync_report(context.trace, *context.totals, context.step_times)) {}

  std::string text() const override { return sync_text(m_sync); }
  void add_json(nlohmann::json& report) const override { report["sync"] = sync_json(m_sync); }
  void add_csv_rows(LongCsv& csv) const override { add_sync_rows(m_sync, csv); }

 private:
  SyncReport m_sync;
};

}  // namespace

std::unique_ptr<ReportSection> make_sync_section(const ReportContext& context) {
  return std::make_unique<SyncSection>(context);
}

}  // namespace flopwall
