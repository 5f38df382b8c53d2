#pragma once
// Rank 0's progress on stderr, printed only between iterations: a live line
// on a terminal, a plain line at every 10% otherwise (batch job logs).
#include <cstdint>

namespace flopwall {

class Progress {
 public:
  Progress(int total_iterations, bool enabled);
  // After `done` timed iterations, `elapsed_ns` since the timed loop started.
  void update(int done, std::int64_t elapsed_ns);
  void finish();

 private:
  int m_total;
  bool m_enabled;
  bool m_live;
  int m_next_decile = 1;
  std::int64_t m_last_live_ns = -1;
};

}  // namespace flopwall
