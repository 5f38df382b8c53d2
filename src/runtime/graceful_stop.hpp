#pragma once
// A graceful stop: on SIGTERM, SIGINT or SIGUSR2 (what SLURM sends at a time
// limit, or with --signal=USR2@SECONDS ahead of it) every rank finishes the
// iteration it is in, the job agrees on the last one every rank completed,
// and the trace is written with truncated = 1. A second signal, half a
// second or more after the first, ends the process at once, as the default
// action would have; a repeat within half a second is the same stop
// delivered twice (as SLURM 22.05 does at a time limit) and is ignored.
#include <mpi.h>

#include <array>
#include <memory>
#include <string>

namespace flopwall {

// Installs the three handlers (idempotent; a signal already received stays
// received). Call before MPI_Init and again after it, whose runtime may
// install its own.
void install_stop_signals();
// The first stop signal received by this process, or 0.
int stop_signal() noexcept;
// "SIGTERM", "SIGINT", "SIGUSR2", or "signal N".
std::string signal_name(int signal);

// Agrees between iterations whether to stop, without a barrier in the loop:
// the vote cast after iteration i travels as a non-blocking allreduce while
// iteration i+1 runs, and is read after it. Every rank reads the same vote
// after the same iteration, so all stop after the same one, at most one
// iteration after the signal reached any of them.
struct StopVerdict {
  int signal = 0;         // the agreed stop signal, or 0
  bool deadline = false;  // some rank was past its deadline (and no signal came)
  explicit operator bool() const noexcept { return signal != 0 || deadline; }
};

class StopAgreement {
 public:
  explicit StopAgreement(MPI_Comm comm) : m_comm(comm) {}
  StopAgreement(const StopAgreement&) = delete;
  StopAgreement& operator=(const StopAgreement&) = delete;
  ~StopAgreement();

  // Collective over the communicator; call after every iteration, saying
  // whether this rank is past a deadline (--duration). Returns the agreed
  // verdict: a signal of any rank wins over a deadline; a deadline passed by
  // any rank stops every rank; neither: go on.
  StopVerdict after_iteration(bool past_deadline = false);
  // Collective: completes the vote in flight (before the next collective phase).
  void finish();

 private:
  MPI_Comm m_comm;
  MPI_Request m_request = MPI_REQUEST_NULL;
  // {this rank's vote, the agreed one}: on the heap, since a vote still in
  // flight when an exception unwinds must keep its buffers (see destructor).
  std::unique_ptr<std::array<int, 2>> m_votes = std::make_unique<std::array<int, 2>>();
};

// Collective over `comm`, blocking: the largest stop signal of any rank (0: none).
int agree_on_stop(MPI_Comm comm);

}  // namespace flopwall
