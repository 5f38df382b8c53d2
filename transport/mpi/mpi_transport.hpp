#pragma once
// Collectives over MPI on host buffers: the cpu backend's transport.
#include <mpi.h>

#include "transport/transport.hpp"

namespace flopwall {

class MpiTransport final : public Transport {
 public:
  explicit MpiTransport(MPI_Comm comm);

  std::string_view name() const noexcept override { return "mpi"; }
  int rank() const noexcept override { return m_rank; }
  int size() const noexcept override { return m_size; }
  std::optional<std::string> unsupported(ElementType type, std::optional<ReduceOp> op) const override;
  bool supports_in_place(Collective c) const override;

  void allreduce(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op, bool in_place) override;
  void reduce(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op, int root,
              bool in_place) override;
  void broadcast(const void* send, void* recv, std::int64_t count, ElementType t, int root, bool in_place) override;
  void allgather(const void* send, void* recv, std::int64_t count, ElementType t, bool in_place) override;
  void reducescatter(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op,
                     bool in_place) override;
  void alltoall(const void* send, void* recv, std::int64_t count, ElementType t) override;
  void alltoallv(const void* send, std::span<const std::int64_t> send_counts, std::span<const std::int64_t> send_displs,
                 void* recv, std::span<const std::int64_t> recv_counts, std::span<const std::int64_t> recv_displs,
                 ElementType t) override;
  void sendrecv(const void* send, std::int64_t send_count, int to, void* recv, std::int64_t recv_count, int from,
                ElementType t) override;
  void barrier() override;

  void reserve(std::size_t max_bytes) override;
  void load(const CollectiveCall& call, std::span<const double> input) override;
  void run(const CollectiveCall& call, int warmup, std::span<OpSpan> spans) override;
  std::vector<double> result(const CollectiveCall& call) override;

  // MPI_Iallreduce; progress() is MPI_Test on each request in flight (Open
  // MPI advances a nonblocking collective only inside MPI calls).
  void start_allreduce(int slot, void* buffer, std::int64_t count, ElementType t, ReduceOp op) override;
  bool progress() override;
  void wait(int slot) override;

 private:
  std::vector<MPI_Request> m_requests;  // by slot; MPI_REQUEST_NULL when idle
  int m_in_flight = 0;
  MPI_Comm m_comm;
  int m_rank = 0, m_size = 1;
  std::vector<std::byte> m_send, m_recv;
  std::vector<int> m_scatter_counts;  // MPI_Reduce_scatter's recvcounts: one equal chunk per rank
};

// The one mapping of element types and reductions to MPI's; MPI_DATATYPE_NULL
// and MPI_OP_NULL where MPI has none. bfloat16 is the project's own type and
// operations (transport/mpi/mpi_bfloat16.hpp), created on first use.
MPI_Datatype mpi_type(ElementType t);
MPI_Op mpi_op(ReduceOp op) noexcept;
MPI_Op mpi_op(ReduceOp op, ElementType t);

}  // namespace flopwall
