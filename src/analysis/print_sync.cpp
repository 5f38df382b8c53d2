#include <fmt/format.h>

#include "analysis/json_number.hpp"

#include <cmath>
#include <iterator>

#include "analysis/report_printers.hpp"
#include "core/units.hpp"

namespace flopwall {
std::string render_sync_text(const SyncReport& s) {
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

}  // namespace flopwall
