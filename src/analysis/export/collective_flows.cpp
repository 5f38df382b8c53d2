#include "analysis/export/collective_flows.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/checked_math.hpp"

namespace flopwall {
namespace {

// A rank without the kind's attribute (traces from before group ids) is in
// the one group of every such rank: the whole job, as the synchronization
// analysis reads those traces.
constexpr std::int64_t k_no_attribute = std::numeric_limits<std::int64_t>::min();

}  // namespace

CollectiveFlows::CollectiveFlows(const TraceData& meta, std::uint64_t max_rows) {
  m_op_count = meta.ops.size();
  m_op_kind.assign(meta.ops.size(), -1);
  for (std::size_t i = 0; i < meta.ops.size(); ++i) {
    const OpInfo& op = meta.ops[i];
    if (op.kind != OpKind::comm || op.group.empty() || op.group == "none") continue;
    auto it = std::find_if(m_kinds.begin(), m_kinds.end(), [&](const Kind& k) { return k.name == op.group; });
    if (it == m_kinds.end()) {
      m_kinds.push_back({.name = op.group, .rank_group = {}, .groups = {}});
      it = m_kinds.end() - 1;
    }
    m_op_kind[i] = static_cast<int>(it - m_kinds.begin());
  }
  for (Kind& kind : m_kinds) {
    kind.rank_group.reserve(meta.ranks.size());
    for (const RankTrace& r : meta.ranks) {
      std::int64_t id = k_no_attribute;
      for (const auto& [name, value] : r.info.groups)
        if (name == kind.name) id = value;
      kind.rank_group.push_back(id);
    }
    std::vector<std::int64_t> ids = kind.rank_group;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const std::int64_t id : ids) kind.groups.push_back({.id = id, .first_rank = 0, .last_rank = 0, .members = 0});
    for (std::size_t rank = 0; rank < kind.rank_group.size(); ++rank) {
      Group& g = kind.groups[slot_of(kind, rank)];
      if (g.members++ == 0) g.first_rank = rank;
      g.last_rank = rank;
    }
    m_slots = std::max<std::uint64_t>(m_slots, kind.groups.size());
  }
  // Ids up to (max_rows · ops + ops) · slots must fit: iterations lie below
  // a rank's row count (the reader checks each row).
  const auto what = [&] {
    return fmt::format("numbering the collective instances of {} rows × {} ops × {} groups", max_rows, m_op_count,
                       m_slots);
  };
  const std::uint64_t instances = add_or_throw(mul_or_throw(std::max<std::uint64_t>(max_rows, 1), m_op_count, what),
                                               m_op_count, what);
  mul_or_throw(add_or_throw(instances, std::uint64_t{1}, what), m_slots, what);
}

std::size_t CollectiveFlows::slot_of(const Kind& kind, std::size_t rank) {
  const std::int64_t id = kind.rank_group[rank];
  const auto it = std::lower_bound(kind.groups.begin(), kind.groups.end(), id,
                                   [](const Group& g, std::int64_t v) { return g.id < v; });
  return static_cast<std::size_t>(it - kind.groups.begin());
}

void CollectiveFlows::select_rank(std::size_t rank) {
  m_steps.assign(m_op_kind.size(), FlowStep::none);
  m_slot.assign(m_op_kind.size(), 0);
  for (std::size_t op = 0; op < m_op_kind.size(); ++op) {
    if (m_op_kind[op] < 0) continue;
    const Kind& kind = m_kinds[static_cast<std::size_t>(m_op_kind[op])];
    const std::size_t slot = slot_of(kind, rank);
    const Group& g = kind.groups[slot];
    m_slot[op] = slot;
    if (g.members < 2) continue;  // a group of one rank links nothing
    m_steps[op] = rank == g.first_rank ? FlowStep::start : rank == g.last_rank ? FlowStep::finish : FlowStep::step;
  }
}

}  // namespace flopwall
