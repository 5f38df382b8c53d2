#include "transport/nccl/nccl_comm.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>
#include <utility>

#include "platform/steady_timer.hpp"
#include "platform/sysfs_text.hpp"
#include "platform/mpi_check.hpp"

namespace flopwall {

namespace {

// Process-wide, for nccl_topology_dump(); only the main thread makes communicators.
std::string& first_topology_dump() {
  static std::string dump;
  return dump;
}

constexpr const char* k_topo_dump_variable = "NCCL_TOPO_DUMP_FILE";

// The rank NCCL dumps its topology on: NCCL_TOPO_DUMP_FILE_RANK, 0 unless set
// (NCCL_PARAM(TopoDumpFileRank, "TOPO_DUMP_FILE_RANK", 0), src/graph/topo.cc).
int topo_dump_rank() {
  const char* value = std::getenv("NCCL_TOPO_DUMP_FILE_RANK");
  if (!value || !*value) return 0;
  char* end = nullptr;
  const long rank = std::strtol(value, &end, 10);
  return *end == '\0' ? static_cast<int>(rank) : 0;
}

// Where NCCL writes its topology during one communicator's init: the user's
// NCCL_TOPO_DUMP_FILE, left in place, or else a temporary file of this
// process, named in the environment only for the init and then deleted.
class TopoDumpFile {
 public:
  explicit TopoDumpFile(bool dumping_rank) {
    const char* user_file = std::getenv(k_topo_dump_variable);
    if (user_file && *user_file) {
      m_path = user_file;
      return;
    }
    if (!dumping_rank) return;  // NCCL writes nothing here: no file to name
    const char* tmp = std::getenv("TMPDIR");
    m_path = fmt::format("{}/flopwall-nccl-topo-{}.xml", tmp && *tmp ? tmp : "/tmp", ::getpid());
    // NCCL reads the variable when init reaches topology detection (ncclGetEnv, not cached).
    m_ours = ::setenv(k_topo_dump_variable, m_path.c_str(), 1) == 0;
    if (!m_ours) m_path.clear();
  }
  TopoDumpFile(const TopoDumpFile&) = delete;
  TopoDumpFile& operator=(const TopoDumpFile&) = delete;
  ~TopoDumpFile() {
    if (!m_ours) return;
    ::unsetenv(k_topo_dump_variable);
    std::remove(m_path.c_str());
  }

  // The file's text; empty where it is absent or unreadable.
  std::string read() const {
    return m_path.empty() ? std::string() : read_text_file(m_path);
  }

 private:
  std::string m_path;
  bool m_ours = false;
};

}  // namespace

NcclComm::NcclComm(MPI_Comm comm, double timeout_s) : m_timeout_s(timeout_s) {
  int rank = 0, size = 1;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &size));
  ncclUniqueId id{};
  if (rank == 0) FLOPWALL_NCCL_CHECK(ncclGetUniqueId(&id));
  FLOPWALL_MPI_CHECK(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, comm));
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;
  // The first communicator's dump is the one kept: later ones would write
  // and read a file nobody uses.
  const bool dumping_rank = rank == topo_dump_rank() && first_topology_dump().empty();
  const TopoDumpFile topo_dump(dumping_rank);
  FLOPWALL_NCCL_CHECK(ncclCommInitRankConfig(&m_comm, size, id, rank, &config));
  // Non-blocking init: the dump is written by the time the init completes.
  wait_ready("ncclCommInitRankConfig");
  // Only the dumping rank's file is this init's; another rank would read a
  // user's file left by an earlier run, or one NCCL is still writing.
  if (dumping_rank) first_topology_dump() = topo_dump.read();
}

NcclComm::NcclComm(NcclComm&& other) noexcept
    : m_comm(std::exchange(other.m_comm, nullptr)),
      m_timeout_s(other.m_timeout_s) {}

NcclComm::~NcclComm() {
  if (!m_comm) return;
  if (std::uncaught_exceptions() > 0) {
    static_cast<void>(ncclCommAbort(m_comm));
    return;
  }
  // Finalize flushes outstanding work; non-blocking, so it gets the same deadline.
  try {
    FLOPWALL_NCCL_CHECK(ncclCommFinalize(m_comm));
    wait_ready("ncclCommFinalize");
    static_cast<void>(ncclCommDestroy(m_comm));
  } catch (...) {
    static_cast<void>(ncclCommAbort(m_comm));
  }
}

void NcclComm::wait_ready(const char* what) const {
  const std::int64_t started = steady_now_ns();
  for (;;) {
    ncclResult_t state = ncclSuccess;
    FLOPWALL_NCCL_CHECK(ncclCommGetAsyncError(m_comm, &state));
    if (state == ncclSuccess) return;
    if (state != ncclInProgress)
      throw std::runtime_error(fmt::format("{} failed: {} ({})", what, ncclGetErrorString(state), ncclGetLastError(m_comm)));
    if (static_cast<double>(steady_now_ns() - started) / 1e9 > m_timeout_s)
      throw std::runtime_error(fmt::format("{} did not complete within --timeout {} s", what, m_timeout_s));
    std::this_thread::yield();
  }
}

void NcclComm::check_async_error() const {
  ncclResult_t state = ncclSuccess;
  FLOPWALL_NCCL_CHECK(ncclCommGetAsyncError(m_comm, &state));
  if (state != ncclSuccess && state != ncclInProgress)
    throw std::runtime_error(fmt::format("NCCL reported an asynchronous error: {} ({})", ncclGetErrorString(state),
                                         ncclGetLastError(m_comm)));
}

std::string nccl_topology_dump() { return first_topology_dump(); }

}  // namespace flopwall
