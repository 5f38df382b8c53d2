#include "analysis/export/thread_lanes.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace flopwall {
namespace {

constexpr int k_kinds = 4;
// The kinds in the order their threads are shown: compute, memory, communication, idle.
constexpr const char* k_thread_names[k_kinds] = {"compute", "memory", "communication", "idle"};

int display_index(OpKind kind) {
  switch (kind) {
    case OpKind::compute: return 0;
    case OpKind::memory: return 1;
    case OpKind::comm: return 2;
    case OpKind::idle: return 3;
  }
  return 0;
}

}  // namespace

// tid = 1 + kind + 4·lane: the first lanes are threads 1 .. 4, whatever the
// overflow lanes a rank needs.
std::string ThreadLanes::thread_name(int tid) {
  const int kind = (tid - 1) % k_kinds, lane = (tid - 1) / k_kinds;
  if (lane == 0) return k_thread_names[kind];
  if (lane == 1) return fmt::format("{} (overlap)", k_thread_names[kind]);
  return fmt::format("{} (overlap {})", k_thread_names[kind], lane);
}

// Overflow lanes right below their kind's first lane.
int ThreadLanes::sort_index(int tid) { return ((tid - 1) % k_kinds) * 100 + (tid - 1) / k_kinds; }

void ThreadLanes::reset() {
  for (auto& lanes : m_lanes) lanes.clear();
  m_crowded = 0;
}

// Whether [start, end] nests in or follows the lane's open slices, in the
// order a timeline viewer reads them (by start). `keep` is how many open
// slices stay open around it: those that end after it starts.
bool ThreadLanes::fits(const Lane& lane, std::int64_t start_ns, std::int64_t end_ns, std::size_t& keep) {
  if (start_ns < lane.last_start) return false;
  keep = lane.open_ends.size();
  while (keep > 0 && lane.open_ends[keep - 1] <= start_ns) --keep;
  return keep == 0 || end_ns <= lane.open_ends[keep - 1];
}

ThreadLanes::Placement ThreadLanes::place(OpKind kind, std::int64_t start_ns, std::int64_t end_ns) {
  const int k = display_index(kind);
  std::vector<Lane>& lanes = m_lanes[k];
  std::size_t keep = 0;
  std::size_t at = 0;
  while (at < lanes.size() && !fits(lanes[at], start_ns, end_ns, keep)) ++at;
  bool new_lane = false;
  if (at == lanes.size()) {
    if (static_cast<int>(lanes.size()) <= k_max_lanes) {
      lanes.emplace_back();
      new_lane = true;
      keep = 0;
    } else {
      // More overlapping events than lanes: the last lane takes it as it is.
      ++m_crowded;
      at = lanes.size() - 1;
      keep = 0;
    }
  }
  Lane& lane = lanes[at];
  lane.open_ends.resize(keep);
  lane.open_ends.push_back(end_ns);
  lane.last_start = std::max(lane.last_start, start_ns);
  return {.tid = 1 + k + k_kinds * static_cast<int>(at), .new_lane = new_lane};
}

}  // namespace flopwall
