#include "runtime/graceful_stop.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <ctime>

#include "platform/mpi_check.hpp"

namespace flopwall {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;
std::atomic<std::int64_t> g_first_signal_ns{0};  // lock-free: safe in a handler
static_assert(std::atomic<std::int64_t>::is_always_lock_free);
// A repeat sooner than this is the same stop delivered twice (SLURM 22.05
// signals a step's tasks at the time limit twice within milliseconds), not
// a user asking again.
constexpr std::int64_t k_repeat_window_ns = 500'000'000;

std::int64_t monotonic_ns() noexcept {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);  // async-signal-safe
  return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

void on_stop_signal(int signal) {
  const std::int64_t now = monotonic_ns();
  if (g_stop_signal != 0) {
    if (now - g_first_signal_ns.load() < k_repeat_window_ns) return;
    // The second one: end now, as the signal's default action would.
    constexpr char k_line[] = "flopwall: second stop signal; ending at once\n";
    static_cast<void>(write(STDERR_FILENO, k_line, sizeof k_line - 1));
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    _exit(128 + signal);
  }
  g_first_signal_ns.store(now);
  g_stop_signal = signal;
}

}  // namespace

void install_stop_signals() {
  struct sigaction sa{};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int s : {SIGTERM, SIGINT, SIGUSR2}) sigaction(s, &sa, nullptr);
}

int stop_signal() noexcept { return g_stop_signal; }

std::string signal_name(int signal) {
  switch (signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGUSR2: return "SIGUSR2";
    default: return fmt::format("signal {}", signal);
  }
}

StopAgreement::~StopAgreement() {
  // On the normal path finish() completed the vote. When an exception
  // unwinds, the peers usually fail alike and complete it at once; a peer
  // that never will (hung, or already gone) must not hang this rank on its
  // way to ending the job, so after a grace period the vote's buffers are
  // left to MPI for good.
  if (m_request == MPI_REQUEST_NULL) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  int done = 0;
  while (!done && std::chrono::steady_clock::now() < deadline)
    if (MPI_Test(&m_request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) break;
  if (!done) static_cast<void>(m_votes.release());
}

StopVerdict StopAgreement::after_iteration(bool past_deadline) {
  // One int per rank, combined by MPI_MAX: a signal votes k_signal_vote +
  // its number, so any signal outranks a deadline's vote of 1.
  constexpr int k_signal_vote = 1024;
  auto& [mine, agreed] = *m_votes;
  if (m_request != MPI_REQUEST_NULL) {
    FLOPWALL_MPI_CHECK(MPI_Wait(&m_request, MPI_STATUS_IGNORE));
    if (agreed >= k_signal_vote) return {.signal = agreed - k_signal_vote};
    if (agreed == 1) return {.deadline = true};
  }
  mine = stop_signal() != 0 ? k_signal_vote + stop_signal() : (past_deadline ? 1 : 0);
  FLOPWALL_MPI_CHECK(MPI_Iallreduce(&mine, &agreed, 1, MPI_INT, MPI_MAX, m_comm, &m_request));
  return {};
}

void StopAgreement::finish() {
  if (m_request != MPI_REQUEST_NULL) FLOPWALL_MPI_CHECK(MPI_Wait(&m_request, MPI_STATUS_IGNORE));
}

int agree_on_stop(MPI_Comm comm) {
  int mine = stop_signal(), agreed = 0;
  FLOPWALL_MPI_CHECK(MPI_Allreduce(&mine, &agreed, 1, MPI_INT, MPI_MAX, comm));
  return agreed;
}

}  // namespace flopwall
