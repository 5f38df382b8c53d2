#pragma once
// The threads of one rank's process in the exported timeline: one per op
// kind (compute, memory, communication, idle), each a lane of slices that
// nest or follow one another, as the Trace Event Format requires of a
// thread. A CPU rank runs one op at a time, so its events always fit; a GPU
// rank's streams may overlap, and an event that overlaps the previous one
// of its thread without nesting in it (or starts before it) goes to an
// overflow lane of its kind ("communication (overlap)", then "(overlap 2)",
// ...) instead of breaking the nesting.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/op_kind.hpp"

namespace flopwall {

class ThreadLanes {
 public:
  // Overflow lanes per kind beyond the first; past them an event shares the
  // last lane whether it fits or not, and is counted as crowded.
  static constexpr int k_max_lanes = 16;

  struct Placement {
    int tid = 0;
    bool new_lane = false;  // the first event of this thread: write its name first
  };

  // Forgets every lane: the next rank starts with none.
  void reset();
  // The thread of an event [start_ns, end_ns] of kind `kind`, placed in the
  // first lane of its kind where it nests or follows.
  Placement place(OpKind kind, std::int64_t start_ns, std::int64_t end_ns);
  // Events that fitted no lane (more than k_max_lanes overlapping), since reset.
  std::uint64_t crowded() const noexcept { return m_crowded; }

  // A thread's name and sort index for its metadata events.
  static std::string thread_name(int tid);
  static int sort_index(int tid);

 private:
  struct Lane {
    std::int64_t last_start = std::numeric_limits<std::int64_t>::min();
    std::vector<std::int64_t> open_ends;  // ends of the slices still open, outermost first
  };
  static bool fits(const Lane& lane, std::int64_t start_ns, std::int64_t end_ns, std::size_t& keep);

  std::vector<Lane> m_lanes[4];  // by display order of the kinds
  std::uint64_t m_crowded = 0;
};

}  // namespace flopwall
