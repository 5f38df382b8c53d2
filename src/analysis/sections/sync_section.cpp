#include "analysis/sections/sync_section.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <tuple>
#include <utility>

#include "analysis/iteration_spans.hpp"
#include "analysis/json_number.hpp"
#include "core/statistics.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

constexpr double k_z_straggler = 3.0;             // one-sided binomial test, p ≈ 0.13%
constexpr double k_lateness_floor_us = 50.0;      // below this, lateness is scheduler noise
constexpr double k_lateness_step_fraction = 0.1;  // ... or a tenth of the median step
constexpr std::int64_t k_min_times_last = 3;      // lateness needs a few instances to mean anything
constexpr double k_lateness_ratio = 3.0;          // "by far": against the other ranks' lateness

struct Arrival {
  std::size_t index;  // into trace.ranks (not the rank number the file claims)
  std::int64_t start_ns, end_ns;
};

// (op, iteration, group id) → the arrivals of the ranks in that group.
using Instances = std::map<std::tuple<std::int32_t, std::int32_t, std::int64_t>, std::vector<Arrival>>;

std::int64_t group_id(const RankTrace& r, const std::string& kind) {
  for (const auto& [k, id] : r.info.groups)
    if (k == kind) return id;
  return 0;  // no ids stored: the whole job is one group
}

// In double: two ranks' errors are added, and int64 sums could overflow.
double max_clock_error_ns(const RankTrace& r) {
  std::int64_t e = r.info.clock_error_ns;
  for (const ClockSample& s : r.info.clock_samples) e = std::max(e, s.error_ns);
  return static_cast<double>(e);
}

double difference_ns(std::int64_t later, std::int64_t earlier) {
  return static_cast<double>(later) - static_cast<double>(earlier);
}

struct RankTotals {
  double compute_ns = 0, comm_ns = 0, wait_ns = 0, span_ns = 0;
  double wait_per_instance_ns = 0, lateness_ns = 0;
  std::int64_t iterations = 0;
};

}  // namespace

SyncReport analyze_sync(const TraceData& trace, const StepTimes& steps) {
  SyncReport rep;
  if (!steps.empty()) {
    rep.step_p50_s = steps.p50_s;
    rep.step_p90_s = steps.p90_s;
    rep.step_p99_s = steps.p99_s;
    rep.step_p999_s = steps.p999_s;
    rep.step_max_s = steps.max_s;
  }
  const std::size_t n_ranks = trace.ranks.size();
  std::vector<RankTotals> totals(n_ranks);
  rep.ranks.resize(n_ranks);

  Instances instances;
  const int iterations = iteration_count(trace);
  for (std::size_t r = 0; r < n_ranks; ++r) {
    const RankTrace& rt = trace.ranks[r];
    rep.ranks[r].rank = rt.rank;
    for (const TraceEvent& e : rt.events) {
      // The reader refuses ops outside /ops; never index past it regardless.
      if (e.op < 0 || static_cast<std::size_t>(e.op) >= trace.ops.size()) continue;
      const OpInfo& op = trace.ops[static_cast<std::size_t>(e.op)];
      if (op.kind == OpKind::comm)
        instances[{e.op, e.iter, group_id(rt, op.group)}].push_back({r, e.t_start_ns, e.t_end_ns});
      else if (op.kind == OpKind::compute || op.kind == OpKind::memory)
        totals[r].compute_ns += duration_ns(e);
    }
    const SpanTotals spans = span_totals(rt, iterations);
    totals[r].span_ns = spans.span_ns;
    totals[r].iterations = spans.iterations;
  }

  // By op name: the same collective of every layer together.
  std::map<std::string, std::vector<double>> skews_by_op;
  std::map<std::string, std::pair<double, std::int64_t>> error_by_op;  // largest error, unresolved count
  std::vector<std::string> op_order;
  std::vector<double> all_skews;
  for (const auto& [key, arrivals] : instances) {
    if (arrivals.size() < 2) {
      // A group of one waits for nobody: its comm time is all transfer.
      for (const Arrival& a : arrivals) totals[a.index].comm_ns += difference_ns(a.end_ns, a.start_ns);
      continue;
    }
    rep.has_collectives = true;
    const auto first = std::min_element(arrivals.begin(), arrivals.end(),
                                        [](const Arrival& a, const Arrival& b) { return a.start_ns < b.start_ns; });
    const auto last = std::max_element(arrivals.begin(), arrivals.end(),
                                       [](const Arrival& a, const Arrival& b) { return a.start_ns < b.start_ns; });
    std::int64_t second_latest = first->start_ns;
    for (const Arrival& a : arrivals)
      if (&a != &*last) second_latest = std::max(second_latest, a.start_ns);
    const double skew_us = difference_ns(last->start_ns, first->start_ns) / 1e3;
    // Two clocks are compared: the skew is only known to within both errors.
    const double error_us =
        (max_clock_error_ns(trace.ranks[first->index]) + max_clock_error_ns(trace.ranks[last->index])) / 1e3;
    const std::string& op = trace.ops[static_cast<std::size_t>(std::get<0>(key))].name;
    if (!skews_by_op.contains(op)) op_order.push_back(op);
    skews_by_op[op].push_back(skew_us);
    auto& err = error_by_op[op];
    err.first = std::max(err.first, error_us);
    err.second += skew_us <= error_us ? 1 : 0;
    all_skews.push_back(skew_us);
    ++rep.instances;
    rep.unresolved += skew_us <= error_us ? 1 : 0;

    const double chance = 1.0 / static_cast<double>(arrivals.size());
    for (const Arrival& a : arrivals) {
      const std::size_t r = a.index;
      const double duration = difference_ns(a.end_ns, a.start_ns);
      // max(…, 0): clamp's bounds must be ordered even for a negative duration.
      const double wait = std::clamp(difference_ns(last->start_ns, a.start_ns), 0.0, std::max(duration, 0.0));
      totals[r].wait_ns += wait;
      totals[r].comm_ns += duration - wait;
      totals[r].wait_per_instance_ns += wait;
      SyncRank& s = rep.ranks[r];
      ++s.instances;
      s.expected_last += chance;
      if (&a == &*last) {
        ++s.times_last;
        totals[r].lateness_ns += difference_ns(a.start_ns, second_latest);
      }
      s.z_score += chance * (1 - chance);  // variance, turned into a z-score below
    }
  }

  rep.skew_p50_us = stats::percentile(all_skews, 0.5);
  rep.skew_p99_us = stats::percentile(all_skews, 0.99);
  rep.skew_max_us = stats::max(all_skews);
  for (const std::string& op : op_order) {
    const auto& skews = skews_by_op[op];
    rep.ops.push_back({.name = op, .instances = static_cast<std::int64_t>(skews.size()),
                       .p50_us = stats::percentile(skews, 0.5), .p99_us = stats::percentile(skews, 0.99),
                       .max_us = stats::max(skews), .clock_error_us = error_by_op[op].first,
                       .unresolved = error_by_op[op].second});
  }

  rep.lateness_threshold_us = std::max(k_lateness_floor_us, k_lateness_step_fraction * rep.step_p50_s * 1e6);
  double lateness_total_ns = 0;
  std::int64_t last_total = 0;
  for (std::size_t r = 0; r < n_ranks; ++r) {
    lateness_total_ns += totals[r].lateness_ns;
    last_total += rep.ranks[r].times_last;
  }
  std::vector<std::pair<double, Straggler>> stragglers;  // with their cost
  for (std::size_t r = 0; r < n_ranks; ++r) {
    SyncRank& s = rep.ranks[r];
    const RankTotals& t = totals[r];
    const double iters = std::max<std::int64_t>(1, t.iterations);
    s.compute_s = t.compute_ns / iters / 1e9;
    s.comm_s = t.comm_ns / iters / 1e9;
    s.wait_s = t.wait_ns / iters / 1e9;
    s.other_s = (t.span_ns - t.compute_ns - t.comm_ns - t.wait_ns) / iters / 1e9;
    if (s.instances > 0) {
      s.mean_wait_us = t.wait_per_instance_ns / static_cast<double>(s.instances) / 1e3;
      s.last_arrival_fraction = static_cast<double>(s.times_last) / static_cast<double>(s.instances);
    }
    if (s.times_last > 0) s.mean_lateness_us = t.lateness_ns / static_cast<double>(s.times_last) / 1e3;
    const double variance = s.z_score;
    s.z_score = variance > 0 ? (static_cast<double>(s.times_last) - s.expected_last) / std::sqrt(variance) : 0;
    // The other ranks' mean lateness when they were last: the noise level.
    const std::int64_t others_last = last_total - s.times_last;
    const double others_lateness_us =
        others_last > 0 ? (lateness_total_ns - t.lateness_ns) / static_cast<double>(others_last) / 1e3 : 0;
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
  explicit SyncSection(const ReportContext& context) : m_sync(analyze_sync(context.trace, context.step_times)) {}

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
