#pragma once
// Flow events that link one collective instance across its ranks in the
// exported timeline. An instance is (iteration, op, group id): the op's
// group kind (OpInfo::group: tp, dp, world, ...; "none" has no flow) and
// each rank's id for that kind (RankInfo::groups, docs/synchronization.md)
// say which ranks ran it together. Its members in rank order make one flow:
// the first rank's event starts it ("s"), the middle ones step it ("t"),
// the last one finishes it ("f"). Only the trace's group attributes are
// needed, so each rank's part is decided while that rank alone is read.
#include <cstdint>
#include <string>
#include <vector>

#include "trace/trace_data.hpp"

namespace flopwall {

enum class FlowStep : std::uint8_t { none, start, step, finish };

class CollectiveFlows {
 public:
  // Group memberships of every rank in `meta`; `max_rows` bounds the
  // iterations (a rank's iterations lie below its row count), so that every
  // instance's id fits 64 bits (a UsageError for a trace where none could).
  CollectiveFlows(const TraceData& meta, std::uint64_t max_rows);

  // Makes `rank` the one whose events are asked about next.
  void select_rank(std::size_t rank);
  // The selected rank's part in the flows of op `op` (none: not a
  // collective, or a group of one rank).
  FlowStep step(std::int32_t op) const { return m_steps[static_cast<std::size_t>(op)]; }
  // The instance's id, the same on every member rank, never 0; unique in the
  // file for every (iter, op, group).
  std::uint64_t id(std::int32_t iter, std::int32_t op) const {
    return (static_cast<std::uint64_t>(iter) * m_op_count + static_cast<std::uint64_t>(op)) * m_slots +
           m_slot[static_cast<std::size_t>(op)] + 1;
  }

 private:
  struct Group {
    std::int64_t id;
    std::size_t first_rank, last_rank, members;
  };
  struct Kind {
    std::string name;
    std::vector<std::int64_t> rank_group;  // by rank
    std::vector<Group> groups;             // by id, ascending
  };
  // The index of `rank`'s group among its kind's groups.
  static std::size_t slot_of(const Kind& kind, std::size_t rank);

  std::vector<Kind> m_kinds;
  std::vector<int> m_op_kind;  // by op: index into m_kinds, -1 for no flow
  std::uint64_t m_op_count = 0;
  std::uint64_t m_slots = 1;  // the most groups of one kind
  std::vector<FlowStep> m_steps;
  std::vector<std::uint64_t> m_slot;  // by op: the selected rank's group index within its kind
};

}  // namespace flopwall
