#include "analysis/visual/timeline_charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "analysis/op_groups.hpp"
#include "core/op_kind.hpp"

namespace flopwall {
namespace {

double seconds_between(std::int64_t later_ns, std::int64_t earlier_ns) {
  return (static_cast<double>(later_ns) - static_cast<double>(earlier_ns)) / 1e9;
}

bool valid_op(const TraceData& meta, const TraceEvent& e) {
  return e.op >= 0 && static_cast<std::size_t>(e.op) < meta.ops.size();
}

nlohmann::json one_iteration(const TraceData& meta, const std::vector<std::vector<TraceEvent>>& rows,
                             const ChosenIteration& chosen, std::size_t lanes) {
  std::int64_t origin = std::numeric_limits<std::int64_t>::max();
  for (std::size_t r = 0; r < lanes; ++r)
    for (const TraceEvent& e : rows[r])
      if (e.iter == chosen.iter) origin = std::min(origin, e.t_start_ns);
  nlohmann::json it = {{"iter", chosen.iter}, {"why", chosen.why}, {"step_s", chosen.step_s}};
  it["origin_ns"] = origin == std::numeric_limits<std::int64_t>::max() ? 0 : origin;
  nlohmann::json names = nlohmann::json::array();
  std::map<std::string, nlohmann::json> by_kind;
  for (const char* kind : {"compute", "memory", "comm", "idle"}) by_kind[kind] = nlohmann::json::array();
  for (std::size_t r = 0; r < lanes; ++r) {
    const std::string lane = fmt::format("rank {}", meta.ranks[r].rank);
    names.push_back(lane);
    for (const TraceEvent& e : rows[r]) {
      if (e.iter != chosen.iter || !valid_op(meta, e)) continue;
      const OpInfo& op = meta.ops[static_cast<std::size_t>(e.op)];
      by_kind[std::string(op_kind_name(op.kind))].push_back(
          {{"lane", lane},
           {"span_s", {seconds_between(e.t_start_ns, origin), seconds_between(e.t_end_ns, origin)}},
           {"op", op.name},
           {"layer", op.layer}});
    }
  }
  it["lanes"] = std::move(names);
  for (auto& [kind, events] : by_kind) it[kind] = std::move(events);
  return it;
}

}  // namespace

std::vector<ChosenIteration> chosen_iterations(const StepSeries& steps, double p50_s) {
  std::vector<ChosenIteration> chosen;
  const StepPoint slowest = steps.slowest();
  if (slowest.iter < 0) return chosen;
  chosen.push_back({slowest.iter, "slowest", slowest.step_s});
  const StepPoint median = steps.nearest(p50_s);
  if (median.iter >= 0 && median.iter != slowest.iter) chosen.push_back({median.iter, "median", median.step_s});
  return chosen;
}

ArrivalMapRange map_iterations(const StepSeries& steps, std::int64_t iterations) {
  const StepPoint slowest = steps.slowest();
  if (slowest.iter < 0 || iterations <= 0) return {};
  const std::int64_t first = std::clamp<std::int64_t>(slowest.iter - k_map_iterations / 2, 0,
                                                      std::max<std::int64_t>(0, iterations - k_map_iterations));
  return {first, std::min(iterations, first + k_map_iterations)};
}

nlohmann::json timeline_json(const TraceData& meta, const std::vector<std::vector<TraceEvent>>& rows,
                             const std::vector<ChosenIteration>& chosen) {
  const std::size_t lanes = std::min({rows.size(), meta.ranks.size(), k_timeline_ranks});
  nlohmann::json out = {{"ranks", meta.ranks.size()}, {"ranks_shown", lanes}};
  nlohmann::json iterations = nlohmann::json::array();
  for (const ChosenIteration& c : chosen) iterations.push_back(one_iteration(meta, rows, c, lanes));
  out["iterations"] = std::move(iterations);
  return out;
}

nlohmann::json arrival_map_json(const TraceData& meta, const std::vector<std::vector<TraceEvent>>& rows,
                                ArrivalMapRange range) {
  struct Arrival {
    std::size_t rank;
    std::int64_t start_ns;
  };
  // An instance: (iteration, op, group id), as the sync analysis matches them.
  std::map<std::tuple<std::int64_t, std::int32_t, std::int64_t>, std::vector<Arrival>> instances;
  const std::size_t n_ranks = std::min(rows.size(), meta.ranks.size());
  for (std::size_t r = 0; r < n_ranks; ++r)
    for (const TraceEvent& e : rows[r]) {
      if (e.iter < range.first || e.iter >= range.end || !valid_op(meta, e)) continue;
      const OpInfo& op = meta.ops[static_cast<std::size_t>(e.op)];
      if (op.kind != OpKind::comm) continue;
      instances[{e.iter, e.op, group_id(meta.ranks[r].info, op.group)}].push_back({r, e.t_start_ns});
    }
  // In time order: by iteration, then by first arrival.
  struct Instance {
    std::int64_t iter, group;
    std::int32_t op;
    std::vector<Arrival> arrivals;
    std::int64_t first_ns;
  };
  std::vector<Instance> ordered;
  for (auto& [key, arrivals] : instances) {
    if (arrivals.size() < 2) continue;  // a group of one waits for nobody
    std::int64_t first = arrivals.front().start_ns;
    for (const Arrival& a : arrivals) first = std::min(first, a.start_ns);
    ordered.push_back({std::get<0>(key), std::get<2>(key), std::get<1>(key), std::move(arrivals), first});
  }
  std::sort(ordered.begin(), ordered.end(), [](const Instance& a, const Instance& b) {
    return std::tie(a.iter, a.first_ns, a.op, a.group) < std::tie(b.iter, b.first_ns, b.op, b.group);
  });
  const std::size_t cap = std::max<std::size_t>(1, k_map_cells / std::max<std::size_t>(1, n_ranks));
  const std::size_t shown = std::min(ordered.size(), cap);

  nlohmann::json cells = nlohmann::json::array(), stragglers = nlohmann::json::array(),
                 list = nlohmann::json::array();
  for (std::size_t k = 0; k < shown; ++k) {
    const Instance& in = ordered[k];
    const Arrival& last = *std::max_element(in.arrivals.begin(), in.arrivals.end(),
                                            [](const Arrival& a, const Arrival& b) { return a.start_ns < b.start_ns; });
    const OpInfo& op = meta.ops[static_cast<std::size_t>(in.op)];
    list.push_back({{"index", k},
                    {"iter", in.iter},
                    {"op", op.name},
                    {"group", in.group},
                    {"members", in.arrivals.size()},
                    {"skew_us", seconds_between(last.start_ns, in.first_ns) * 1e6}});
    for (const Arrival& a : in.arrivals) {
      const nlohmann::json cell = {
          {"instance", k}, {"rank", meta.ranks[a.rank].rank}, {"late_us", seconds_between(a.start_ns, in.first_ns) * 1e6}};
      cells.push_back(cell);
      // The last to arrive held the others up: drawn outlined.
      if (&a == &last && a.start_ns > in.first_ns) stragglers.push_back(cell);
    }
  }
  return {{"first_iter", range.first}, {"end_iter", range.end},  {"ranks", meta.ranks.size()},
          {"instances_found", ordered.size()}, {"instances", std::move(list)}, {"cells", std::move(cells)},
          {"stragglers", std::move(stragglers)}};
}

}  // namespace flopwall
