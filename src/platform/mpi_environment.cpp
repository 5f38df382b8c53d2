#include "platform/mpi_environment.hpp"

#include <unistd.h>

#include <array>
#include <climits>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/units.hpp"
#include "platform/host_info.hpp"
#include "platform/mpi_check.hpp"

namespace flopwall {

std::string mpi_error_string(int code) {
  std::array<char, MPI_MAX_ERROR_STRING> text{};
  int len = 0;
  if (MPI_Error_string(code, text.data(), &len) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(text.data(), static_cast<std::size_t>(len));
}

MpiComm& MpiComm::operator=(MpiComm&& other) noexcept {
  if (this != &other) {
    if (m_comm != MPI_COMM_NULL) FLOPWALL_MPI_CHECK_NOTHROW(MPI_Comm_free(&m_comm));
    m_comm = other.m_comm;
    other.m_comm = MPI_COMM_NULL;
  }
  return *this;
}

MpiComm::~MpiComm() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (m_comm != MPI_COMM_NULL && !finalized) FLOPWALL_MPI_CHECK_NOTHROW(MPI_Comm_free(&m_comm));
}

int MpiComm::rank() const {
  int r = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(m_comm, &r));
  return r;
}

int MpiComm::size() const {
  int s = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_size(m_comm, &s));
  return s;
}

MpiComm split_comm(MPI_Comm parent, int color, int key) {
  MPI_Comm out = MPI_COMM_NULL;
  FLOPWALL_MPI_CHECK(MPI_Comm_split(parent, color, key, &out));
  FLOPWALL_MPI_CHECK(MPI_Comm_set_errhandler(out, MPI_ERRORS_RETURN));
  return MpiComm(out);
}

MpiEnvironment::MpiEnvironment(int& argc, char**& argv) {
  // MPI_THREAD_SINGLE: only the main thread ever calls MPI. The process has
  // other threads (the hang locator's watchdog, OpenBLAS's pool when asked
  // for more than one thread, NCCL's proxies), but none of them calls MPI,
  // which is what the level promises the library in practice. Asking for
  // more costs: Open MPI 4.1 takes locks on every call from FUNNELED up, 0.5
  // against 0.33 µs per 8-byte allreduce on 2 ranks (docs/collectives.md).
  int provided = 0;
  FLOPWALL_MPI_CHECK(MPI_Init_thread(&argc, &argv, MPI_THREAD_SINGLE, &provided));
  m_thread_level = provided;
  FLOPWALL_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &m_rank));
  FLOPWALL_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &m_size));
  set_process_rank(m_rank);

  MPI_Comm node = MPI_COMM_NULL;
  FLOPWALL_MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, m_rank, MPI_INFO_NULL, &node));
  m_node = MpiComm(node);
  m_local_rank = m_node.rank();
  m_local_size = m_node.size();

  std::array<char, HOST_NAME_MAX + 1> host{};
  if (gethostname(host.data(), host.size() - 1) == 0) m_hostname = host.data();
}

std::string MpiEnvironment::thread_level() const {
  switch (m_thread_level) {
    case MPI_THREAD_SINGLE: return "single";
    case MPI_THREAD_FUNNELED: return "funneled";
    case MPI_THREAD_SERIALIZED: return "serialized";
    case MPI_THREAD_MULTIPLE: return "multiple";
    default: return std::to_string(m_thread_level);
  }
}

MpiEnvironment::~MpiEnvironment() {
  m_node = MpiComm();
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) FLOPWALL_MPI_CHECK_NOTHROW(MPI_Finalize());
}

void agree_on_usage_error(MPI_Comm comm, const std::optional<std::string>& local_error) {
  int rank = 0, size = 1;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &size));
  const int mine = local_error ? rank : size;
  int first = size;
  FLOPWALL_MPI_CHECK(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm));
  if (first == size) return;
  std::string message = local_error.value_or("");
  int len = static_cast<int>(message.size());
  FLOPWALL_MPI_CHECK(MPI_Bcast(&len, 1, MPI_INT, first, comm));
  message.resize(static_cast<std::size_t>(len));
  FLOPWALL_MPI_CHECK(MPI_Bcast(message.data(), len, MPI_CHAR, first, comm));
  throw UsageError(message);
}

std::optional<std::string> node_memory_problem(MPI_Comm node, std::uint64_t bytes_this_rank, const std::string& what,
                                               const std::string& advice) {
  std::uint64_t node_total = 0;
  FLOPWALL_MPI_CHECK(MPI_Allreduce(&bytes_this_rank, &node_total, 1, MPI_UINT64_T, MPI_SUM, node));
  const std::uint64_t available = host_available_memory_bytes();
  if (available == 0 || static_cast<double>(node_total) <= 0.9 * static_cast<double>(available)) return std::nullopt;
  return fmt::format("{} needs {} per rank ({} on this node) but the node has {} available; {}", what,
                     units::bytes(static_cast<double>(bytes_this_rank)), units::bytes(static_cast<double>(node_total)),
                     units::bytes(static_cast<double>(available)), advice);
}

namespace {

// Every rank's string, from their lengths and their concatenation.
std::vector<std::string> split_by_lengths(const std::string& all, const std::vector<int>& lens,
                                          const std::vector<int>& displs) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lens.size(); ++i)
    out.push_back(all.substr(static_cast<std::size_t>(displs[i]), static_cast<std::size_t>(lens[i])));
  return out;
}

std::vector<int> displacements(const std::vector<int>& lens) {
  std::vector<int> displs(lens.size(), 0);
  for (std::size_t i = 1; i < lens.size(); ++i) displs[i] = displs[i - 1] + lens[i - 1];
  return displs;
}

}  // namespace

std::vector<std::string> allgather_strings(MPI_Comm comm, const std::string& mine) {
  int size = 1;
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &size));
  int len = static_cast<int>(mine.size());
  std::vector<int> lens(static_cast<std::size_t>(size));
  FLOPWALL_MPI_CHECK(MPI_Allgather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, comm));
  const std::vector<int> displs = displacements(lens);
  std::string all(static_cast<std::size_t>(displs.back() + lens.back()), '\0');
  FLOPWALL_MPI_CHECK(MPI_Allgatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), displs.data(), MPI_CHAR, comm));
  return split_by_lengths(all, lens, displs);
}

std::vector<std::string> gather_strings(MPI_Comm comm, const std::string& mine) {
  int size = 1, rank = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &size));
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  int len = static_cast<int>(mine.size());
  std::vector<int> lens(rank == 0 ? static_cast<std::size_t>(size) : 0);
  FLOPWALL_MPI_CHECK(MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, comm));
  if (rank != 0) {
    FLOPWALL_MPI_CHECK(MPI_Gatherv(mine.data(), len, MPI_CHAR, nullptr, nullptr, nullptr, MPI_CHAR, 0, comm));
    return {};
  }
  const std::vector<int> displs = displacements(lens);
  std::string all(static_cast<std::size_t>(displs.back() + lens.back()), '\0');
  FLOPWALL_MPI_CHECK(MPI_Gatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), displs.data(), MPI_CHAR, 0, comm));
  return split_by_lengths(all, lens, displs);
}

std::string broadcast_string(MPI_Comm comm, std::string value) {
  int len = static_cast<int>(value.size());
  FLOPWALL_MPI_CHECK(MPI_Bcast(&len, 1, MPI_INT, 0, comm));
  value.resize(static_cast<std::size_t>(len));
  FLOPWALL_MPI_CHECK(MPI_Bcast(value.data(), len, MPI_CHAR, 0, comm));
  return value;
}

}  // namespace flopwall
