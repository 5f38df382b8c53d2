#pragma once
// MPI for the process's lifetime: initialised on construction, finalised on
// destruction. Also the few facts about the job every part needs.
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace flopwall {

// A communicator this process owns; freed when the handle goes away.
class MpiComm {
 public:
  MpiComm() = default;
  explicit MpiComm(MPI_Comm comm) noexcept : m_comm(comm) {}
  MpiComm(MpiComm&& other) noexcept : m_comm(other.m_comm) { other.m_comm = MPI_COMM_NULL; }
  MpiComm& operator=(MpiComm&& other) noexcept;
  MpiComm(const MpiComm&) = delete;
  MpiComm& operator=(const MpiComm&) = delete;
  ~MpiComm();

  MPI_Comm get() const noexcept { return m_comm; }
  int rank() const;
  int size() const;

 private:
  MPI_Comm m_comm = MPI_COMM_NULL;
};

// Splits `parent` into groups of equal `color`, ordered by `key`.
MpiComm split_comm(MPI_Comm parent, int color, int key);

class MpiEnvironment {
 public:
  MpiEnvironment(int& argc, char**& argv);
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;
  ~MpiEnvironment();

  int rank() const noexcept { return m_rank; }
  int size() const noexcept { return m_size; }
  int local_rank() const noexcept { return m_local_rank; }
  int local_size() const noexcept { return m_local_size; }
  MPI_Comm node_comm() const noexcept { return m_node.get(); }
  const std::string& hostname() const noexcept { return m_hostname; }
  // What MPI_Init_thread provided: single | funneled | serialized | multiple.
  std::string thread_level() const;

 private:
  int m_rank = 0;
  int m_size = 1;
  int m_local_rank = 0;
  int m_local_size = 1;
  int m_thread_level = MPI_THREAD_SINGLE;
  MpiComm m_node;
  std::string m_hostname;
};

// Collective over `comm`: if any rank has an error, every rank throws a
// UsageError carrying the message of the lowest failing rank, so bad input
// found on one rank ends the whole job with exit 2 instead of a hang.
void agree_on_usage_error(MPI_Comm comm, const std::optional<std::string>& local_error);

// Runs `step` on every rank of `comm` and turns a UsageError on any of them
// into the same UsageError on all (see agree_on_usage_error).
template <class F>
void agreed(MPI_Comm comm, F&& step) {
  std::optional<std::string> error;
  try {
    step();
  } catch (const UsageError& e) {
    error = e.what();
  }
  agree_on_usage_error(comm, error);
}

// Collective over `node` (the ranks sharing memory): whether the node can
// hold `bytes_this_rank` summed over its ranks, within 90% of MemAvailable.
// The message names `what` needs it and ends with `advice`.
std::optional<std::string> node_memory_problem(MPI_Comm node, std::uint64_t bytes_this_rank, const std::string& what,
                                               const std::string& advice);

// Collective: every rank's string, in rank order, on every rank.
std::vector<std::string> allgather_strings(MPI_Comm comm, const std::string& mine);
// Collective: every rank's string, in rank order, on rank 0; empty elsewhere.
// For what only rank 0 uses: nothing grows with the job on the other ranks.
std::vector<std::string> gather_strings(MPI_Comm comm, const std::string& mine);

// Collective: rank 0's string on every rank.
std::string broadcast_string(MPI_Comm comm, std::string value);

}  // namespace flopwall
