#pragma once
// One NCCL communicator over the ranks of an MPI communicator: created from
// an ncclUniqueId broadcast over MPI, non-blocking (config.blocking = 0) so
// every wait polls with a deadline and NCCL's asynchronous error state.
// Destroyed normally; aborted while an exception unwinds, which never blocks.
// The first one of a process keeps the topology NCCL detected at its init
// (its NCCL_TOPO_DUMP_FILE XML): nccl_topology_dump().
#include <mpi.h>
#include <nccl.h>

#include <stdexcept>
#include <string>

#include "core/error.hpp"

#define FLOPWALL_NCCL_CHECK(call)                                                                         \
  do {                                                                                                    \
    const ncclResult_t flopwall_nccl_rc_ = (call);                                                        \
    if (flopwall_nccl_rc_ != ncclSuccess && flopwall_nccl_rc_ != ncclInProgress)                          \
      throw std::runtime_error(::flopwall::failure_message(__FILE__, __LINE__, #call,                     \
                                                           ncclGetErrorString(flopwall_nccl_rc_)));       \
  } while (0)

namespace flopwall {

class NcclComm {
 public:
  NcclComm(MPI_Comm comm, double timeout_s);
  NcclComm(NcclComm&& other) noexcept;
  NcclComm& operator=(NcclComm&&) = delete;
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;
  ~NcclComm();

  ncclComm_t get() const noexcept { return m_comm; }
  // After a call returned ncclInProgress: poll until done, or throw on an
  // error or when the timeout passes.
  void wait_ready(const char* what) const;
  // Throws if NCCL has reported an asynchronous error on this communicator.
  void check_async_error() const;
  // Enqueues through `call` (an NCCL function returning ncclResult_t) and waits
  // for the enqueue to complete.
  template <class F>
  void enqueue(const char* what, F&& call) const {
    const ncclResult_t rc = call();
    FLOPWALL_NCCL_CHECK(rc);
    if (rc == ncclInProgress) wait_ready(what);
  }

 private:
  ncclComm_t m_comm = nullptr;
  double m_timeout_s;
};

// The first topology dump any NcclComm of this process read (the run's first
// communicator spans its whole group); empty where none was (another rank
// dumps, or no communicator was made). For the trace's /meta nccl_topology_xml.
std::string nccl_topology_dump();

}  // namespace flopwall
