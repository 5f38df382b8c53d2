#pragma once
// Where is everyone? Each rank keeps a ring of its last 64 ops (which op,
// layer, iteration, when issued, whether completed) and publishes its
// current position on a progress board in node-shared memory. A watchdog
// thread turns "no progress for --timeout seconds" into one line naming the
// pending op and the ranks of this node that never reached it, then ends
// the process so mpirun ends the job; SIGUSR1 prints the same line and goes
// on. The ring also goes into the trace (/ranks/NNNNN/recent_ops).
#include <mpi.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "platform/host_ticks.hpp"
#include "trace/trace_event.hpp"

namespace flopwall {


class HangLocator {
 public:
  static constexpr std::size_t k_ring = 64;

  // An op's name and layer from its index (0 .. op count − 1). Called from
  // the watchdog thread too, so it must only read data that stays constant.
  using OpLabeler = std::function<std::pair<std::string, int>(int op)>;

  // Collective over `node` (the ranks sharing memory). `labels`: per op
  // index, its name and layer.
  HangLocator(const std::vector<std::pair<std::string, int>>& labels, MPI_Comm world, MPI_Comm node, double timeout_s);
  // For op lists too long to spell out (a sweep's sizes): names computed on demand.
  HangLocator(int op_count, OpLabeler labeler, MPI_Comm world, MPI_Comm node, double timeout_s);
  HangLocator(const HangLocator&) = delete;
  HangLocator& operator=(const HangLocator&) = delete;
  ~HangLocator();

  // The hot path: a store into the ring and two into the board.
  void issued(int op, int iter) noexcept;
  void completed() noexcept;

  // Steps outside the ops that can hang too: shown on the board (so the
  // watchdog and status lines see them), not kept in the ring.
  enum class Phase : int { clock_sync = 0, barrier = 1, trace_write = 2 };
  void begin_phase(Phase phase, int iter) noexcept;
  void end_phase() noexcept;

  // "last completed ...; pending ... for N s; ranks behind on this node: ..."
  std::string status_line() const;
  // The ring, oldest first.
  std::vector<RecentOp> recent() const;

  void start_watchdog();
  void stop_watchdog();

  // The locator of the running job, for SIGUSR1 and for error messages.
  static HangLocator* active() noexcept;

 private:
  struct Slot;
  void watch();
  std::string op_label(std::int32_t op, std::int32_t iter) const;
  double seconds_since(std::int64_t ticks) const noexcept;
  double ns_per_tick() const noexcept;

  OpLabeler m_labeler;
  int m_phase_base = 0;  // op indices from here on are phases
  bool m_job_on_one_node = false;
  std::string m_other_nodes;  // the job's other nodes and their ranks (jobs on several nodes)
  double m_timeout_s;
  // Host ticks (platform/host_ticks.hpp) keep the hot path at two tick reads;
  // they are converted for messages and the trace between this anchor,
  // taken at construction, and one taken when they are converted.
  host_ticks::Anchor m_anchor;
  int m_world_rank = 0;
  std::array<RecentOp, k_ring> m_ring{};
  std::atomic<std::uint64_t> m_count{0};
  MPI_Win m_win = MPI_WIN_NULL;
  Slot* m_board = nullptr;         // one slot per local rank
  std::vector<int> m_node_ranks;   // world rank of each local rank
  int m_local = 0;
  std::atomic<bool> m_stop{false};
  std::mutex m_stop_mutex;  // with m_stop_cv: stop_watchdog wakes the watchdog at once
  std::condition_variable m_stop_cv;
  std::thread m_watchdog;
};

// Installs the SIGUSR1 handler (idempotent).
void install_status_signal();

}  // namespace flopwall
