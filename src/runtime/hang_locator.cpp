#include "runtime/hang_locator.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "platform/host_ticks.hpp"
#include "platform/mpi_check.hpp"
#include "platform/mpi_environment.hpp"

namespace flopwall {
namespace {

std::atomic<HangLocator*> g_active{nullptr};
volatile std::sig_atomic_t g_status_requested = 0;

void on_sigusr1(int) { g_status_requested = 1; }

constexpr auto k_poll = std::chrono::milliseconds(50);

// Takes a copy: the delegating constructor also reads the size, and the
// order in which arguments are evaluated is unspecified.
HangLocator::OpLabeler label_table(const std::vector<std::pair<std::string, int>>& labels) {
  return [labels](int op) { return labels[static_cast<std::size_t>(op)]; };
}
constexpr double k_unresponsive_s = 1.0;  // 20 missed heartbeats

// The job's other nodes by host name with their ranks, "node7 (ranks 8-15),
// node9 (ranks 16-23)", the first four and a count of the rest: what a rank
// names when the peer it waits for is off its node. Collective over `world`.
std::string describe_other_nodes(MPI_Comm world, int world_size) {
  constexpr std::size_t k_shown = 4;
  std::array<char, HOST_NAME_MAX + 1> mine{};
  gethostname(mine.data(), mine.size() - 1);  // as MpiEnvironment names the host
  const std::string me(mine.data());
  const std::vector<std::string> name = allgather_strings(world, me);
  // Host → its ranks as ranges, in order of the first rank.
  std::vector<std::pair<std::string, std::string>> hosts;
  for (int first = 0, last = 0; first < world_size; first = last + 1) {
    const std::string& host = name[static_cast<std::size_t>(first)];
    for (last = first; last + 1 < world_size && name[static_cast<std::size_t>(last) + 1] == host;) ++last;
    if (host == me) continue;
    const std::string range = first == last ? fmt::format("{}", first) : fmt::format("{}-{}", first, last);
    const auto it = std::find_if(hosts.begin(), hosts.end(), [&](const auto& h) { return h.first == host; });
    if (it == hosts.end()) hosts.emplace_back(host, range);
    else it->second += "," + range;
  }
  if (hosts.empty()) return "its host name is this node's own";
  std::string out;
  for (std::size_t i = 0; i < std::min(hosts.size(), k_shown); ++i)
    out += fmt::format("{}{} (rank{} {})", i ? ", " : "", hosts[i].first,
                       hosts[i].second.find_first_of("-,") == std::string::npos ? "" : "s", hosts[i].second);
  if (hosts.size() > k_shown) out += fmt::format(" and {} more nodes", hosts.size() - k_shown);
  return out;
}

}  // namespace

// What the other ranks of the node can read without this rank's help: plain
// atomics in shared memory, so even a stopped process's last position shows.
struct HangLocator::Slot {
  std::atomic<std::int64_t> progress_ticks;  // when the position last changed
  std::atomic<std::int32_t> iter;
  std::atomic<std::int32_t> op;
  std::atomic<std::int32_t> pending;  // 1 while op is issued and not completed
  std::atomic<std::int32_t> done_iter;
  std::atomic<std::int32_t> done_op;  // the last completed op
  // Beaten by the watchdog thread: a stopped or dead process stops beating,
  // while a rank merely blocked in a collective keeps beating.
  std::atomic<std::int64_t> heartbeat_ticks;
};

HangLocator::HangLocator(const std::vector<std::pair<std::string, int>>& labels, MPI_Comm world, MPI_Comm node,
                         double timeout_s)
    : HangLocator(static_cast<int>(labels.size()), label_table(labels), world, node, timeout_s) {}

HangLocator::HangLocator(int op_count, OpLabeler labeler, MPI_Comm world, MPI_Comm node, double timeout_s)
    : m_labeler(std::move(labeler)), m_phase_base(op_count), m_timeout_s(timeout_s) {
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(world, &m_world_rank));
  int node_size = 1, world_size = 1;
  FLOPWALL_MPI_CHECK(MPI_Comm_size(world, &world_size));
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(node, &m_local));
  FLOPWALL_MPI_CHECK(MPI_Comm_size(node, &node_size));
  m_job_on_one_node = node_size == world_size;
  m_node_ranks.resize(static_cast<std::size_t>(node_size));
  FLOPWALL_MPI_CHECK(MPI_Allgather(&m_world_rank, 1, MPI_INT, m_node_ranks.data(), 1, MPI_INT, node));
  if (!m_job_on_one_node) m_other_nodes = describe_other_nodes(world, world_size);
  // Local rank 0 allocates the whole board; the others attach to it.
  void* base = nullptr;
  const MPI_Aint bytes = m_local == 0 ? static_cast<MPI_Aint>(sizeof(Slot)) * node_size : 0;
  FLOPWALL_MPI_CHECK(MPI_Win_allocate_shared(bytes, sizeof(Slot), MPI_INFO_NULL, node, &base, &m_win));
  MPI_Aint size = 0;
  int disp = 0;
  FLOPWALL_MPI_CHECK(MPI_Win_shared_query(m_win, 0, &size, &disp, &base));
  m_board = static_cast<Slot*>(base);
  // The first of the two anchors that convert ticks; the second is taken
  // at each conversion (ns_per_tick), so no start-up wait measures the rate.
  m_anchor = host_ticks::anchor();
  Slot& mine = m_board[m_local];
  mine.progress_ticks.store(host_ticks::now());
  mine.iter.store(-1);
  mine.op.store(-1);
  mine.pending.store(0);
  mine.done_iter.store(-1);
  mine.done_op.store(-1);
  mine.heartbeat_ticks.store(host_ticks::now());
  FLOPWALL_MPI_CHECK(MPI_Barrier(node));
  g_active.store(this);
}

HangLocator::~HangLocator() {
  stop_watchdog();
  g_active.store(nullptr);
  // Freeing the window is collective: only on the normal path.
  if (m_win != MPI_WIN_NULL && std::uncaught_exceptions() == 0) static_cast<void>(MPI_Win_free(&m_win));
}

HangLocator* HangLocator::active() noexcept { return g_active.load(); }

void HangLocator::issued(int op, int iter) noexcept {
  const std::int64_t now = host_ticks::now();
  m_ring[m_count.load(std::memory_order_relaxed) % k_ring] = {op, iter, now, -1};
  Slot& s = m_board[m_local];
  s.op.store(op, std::memory_order_relaxed);
  s.iter.store(iter, std::memory_order_relaxed);
  s.pending.store(1, std::memory_order_relaxed);
  s.progress_ticks.store(now, std::memory_order_release);
}

void HangLocator::completed() noexcept {
  const std::int64_t now = host_ticks::now();
  const std::uint64_t n = m_count.load(std::memory_order_relaxed);
  m_ring[n % k_ring].completed_ns = now;
  m_count.store(n + 1, std::memory_order_release);
  Slot& s = m_board[m_local];
  s.done_op.store(s.op.load(std::memory_order_relaxed), std::memory_order_relaxed);
  s.done_iter.store(s.iter.load(std::memory_order_relaxed), std::memory_order_relaxed);
  s.pending.store(0, std::memory_order_relaxed);
  s.progress_ticks.store(now, std::memory_order_release);
}

void HangLocator::begin_phase(Phase phase, int iter) noexcept {
  Slot& s = m_board[m_local];
  s.op.store(m_phase_base + static_cast<int>(phase), std::memory_order_relaxed);
  s.iter.store(iter, std::memory_order_relaxed);
  s.pending.store(1, std::memory_order_relaxed);
  s.progress_ticks.store(host_ticks::now(), std::memory_order_release);
}

void HangLocator::end_phase() noexcept {
  Slot& s = m_board[m_local];
  s.pending.store(0, std::memory_order_relaxed);
  s.progress_ticks.store(host_ticks::now(), std::memory_order_release);
}

std::string HangLocator::op_label(std::int32_t op, std::int32_t iter) const {
  // Phase names follow the ops' indices (see Phase).
  static constexpr const char* k_phases[] = {"clock synchronisation", "barrier", "trace write"};
  if (op >= m_phase_base && op - m_phase_base < static_cast<int>(std::size(k_phases)))
    return fmt::format("{} (layer -1, iteration {})", k_phases[op - m_phase_base], iter);
  if (op < 0 || op >= m_phase_base) return "no op yet";
  const auto [name, layer] = m_labeler(op);
  return fmt::format("{} (layer {}, iteration {})", name, layer, iter);
}

// The tick rate between the construction's anchor and now: every tick being
// converted lies between the two, so the interpolation stays within the
// anchors' own error however short the span (and gets more precise as the
// run goes on).
double HangLocator::ns_per_tick() const noexcept {
  const host_ticks::Anchor now = host_ticks::anchor();
  if (now.ticks == m_anchor.ticks) return 1;
  return static_cast<double>(now.ns - m_anchor.ns) / static_cast<double>(now.ticks - m_anchor.ticks);
}

double HangLocator::seconds_since(std::int64_t ticks) const noexcept {
  return static_cast<double>(host_ticks::now() - ticks) * ns_per_tick() / 1e9;
}

std::vector<RecentOp> HangLocator::recent() const {
  const std::uint64_t n = m_count.load(std::memory_order_acquire);
  const double rate = ns_per_tick();
  const auto to_ns = [&](std::int64_t ticks) {
    return m_anchor.ns + static_cast<std::int64_t>(static_cast<double>(ticks - m_anchor.ticks) * rate);
  };
  std::vector<RecentOp> out;
  for (std::uint64_t i = n > k_ring ? n - k_ring : 0; i < n; ++i) {
    RecentOp r = m_ring[i % k_ring];
    r.issued_ns = to_ns(r.issued_ns);
    r.completed_ns = r.completed_ns < 0 ? -1 : to_ns(r.completed_ns);
    out.push_back(r);
  }
  return out;
}

std::string HangLocator::status_line() const {
  const Slot& me = m_board[m_local];
  // Only the board's atomics: this runs on the watchdog thread.
  std::string line = me.done_op.load() >= 0 ? "last completed " + op_label(me.done_op.load(), me.done_iter.load())
                                            : std::string("nothing completed yet");
  if (me.pending.load()) {
    const std::int32_t op = me.op.load(), iter = me.iter.load();
    line += fmt::format("; pending {} for {:.1f} s", op_label(op, iter),
                        seconds_since(me.progress_ticks.load()));
    // Ranks of this node it waits for: those that stopped responding (a
    // stopped or dead process), and those that have not reached the pending op.
    std::string behind;
    for (std::size_t l = 0; l < m_node_ranks.size(); ++l) {
      if (static_cast<int>(l) == m_local) continue;
      const Slot& s = m_board[l];
      const std::int32_t it = s.iter.load(), o = s.op.load();
      const double silent_s = seconds_since(s.heartbeat_ticks.load());
      const bool unresponsive = silent_s > k_unresponsive_s;
      if (unresponsive || it < iter || (it == iter && o < op))
        behind += fmt::format("{}rank {} ({}at {}, no progress for {:.1f} s)", behind.empty() ? "" : ", ",
                              m_node_ranks[l],
                              unresponsive ? fmt::format("not responding for {:.1f} s, ", silent_s) : "",
                              op_label(o, it), seconds_since(s.progress_ticks.load()));
    }
    // Which is true depends on whether the board sees the whole job.
    if (!behind.empty())
      line += "; waiting for " + behind;
    else if (m_job_on_one_node)
      line += "; every rank of the job is alive and as far (the op is in progress, or the transport itself is stuck)";
    else
      line += fmt::format("; every rank of this node is alive and as far (a peer it waits for is on another node: {})",
                          m_other_nodes);
  }
  return line;
}

void HangLocator::start_watchdog() {
  m_stop = false;
  m_watchdog = std::thread([this] { watch(); });
}

void HangLocator::stop_watchdog() {
  {
    const std::lock_guard lock(m_stop_mutex);
    m_stop = true;
  }
  m_stop_cv.notify_all();  // not a poll's wait: ending a run costs no 50 ms
  if (m_watchdog.joinable()) m_watchdog.join();
}

void HangLocator::watch() {
  while (true) {
    {
      std::unique_lock lock(m_stop_mutex);
      if (m_stop_cv.wait_for(lock, k_poll, [this] { return m_stop.load(); })) return;
    }
    m_board[m_local].heartbeat_ticks.store(host_ticks::now(), std::memory_order_release);
    if (g_status_requested) {  // SIGUSR1
      g_status_requested = 0;
      fmt::print(stderr, "rank {}: status: {}\n", m_world_rank, status_line());
    }
    const Slot& me = m_board[m_local];
    const double idle_s = seconds_since(me.progress_ticks.load(std::memory_order_acquire));
    if (me.pending.load() && idle_s > m_timeout_s) {
      // No MPI from this thread: say where we are and leave; mpirun then
      // ends every other rank, the stopped or hung one included.
      fmt::print(stderr, "rank {}: timed out after {:.1f} s (--timeout {}): {}\n", m_world_rank, idle_s, m_timeout_s,
                 status_line());
      std::fflush(stderr);
      std::_Exit(1);
    }
  }
}

void install_status_signal() {
  struct sigaction sa{};
  sa.sa_handler = on_sigusr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);
}

}  // namespace flopwall
