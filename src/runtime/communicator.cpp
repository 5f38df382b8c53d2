#include "runtime/communicator.hpp"

#include <stdexcept>

#include "platform/mpi_check.hpp"

namespace flopwall {

Transport& Communicator::transport(CommGroup g) const {
  for (const Group& group : m_groups)
    if (group.group == g) return *group.transport;
  throw std::logic_error("a collective was issued on a group this rank has no transport for");
}

void Communicator::issue(CommGroup g, const CollectiveCall& call, const void* send, void* recv) {
  flopwall::issue(transport(g), call, send, recv);
}

void Communicator::start_allreduce(CommGroup g, int slot, const CollectiveCall& call, void* buffer) {
  if (call.collective != Collective::allreduce || !call.in_place)
    throw std::logic_error("only an in-place allreduce can be started without blocking");
  transport(g).start_allreduce(slot, buffer, call.shape.param_count, call.type, call.op);
  ++m_in_flight;
}

void Communicator::wait(CommGroup g, int slot) {
  transport(g).wait(slot);
  --m_in_flight;
}

void Communicator::progress() {
  for (const Group& group : m_groups) group.transport->progress();
}

void Communicator::allreduce(CommGroup g, const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op) {
  issue(g, make_call(Collective::allreduce, count, size(g), t, op, 0, send == recv), send, recv);
}

void Communicator::allgather(CommGroup g, const void* send, void* recv, std::int64_t count_per_rank, ElementType t) {
  const auto* own_chunk = static_cast<const std::byte*>(recv) + rank(g) * count_per_rank * element_type_size(t);
  issue(g, make_call(Collective::allgather, count_per_rank * size(g), size(g), t, ReduceOp::sum, 0, send == own_chunk),
        send, recv);
}

void Communicator::reduce_scatter(CommGroup g, const void* send, void* recv, std::int64_t count_per_rank,
                                  ElementType t, ReduceOp op) {
  issue(g, make_call(Collective::reducescatter, count_per_rank * size(g), size(g), t, op), send, recv);
}

void Communicator::alltoall(CommGroup g, const void* send, void* recv, std::int64_t count_per_rank, ElementType t) {
  issue(g, make_call(Collective::alltoall, count_per_rank * size(g), size(g), t), send, recv);
}

void Communicator::alltoallv(CommGroup g, const void* send, std::span<const std::int64_t> send_counts,
                             std::span<const std::int64_t> send_displs, void* recv,
                             std::span<const std::int64_t> recv_counts, std::span<const std::int64_t> recv_displs,
                             ElementType t) {
  const auto n = static_cast<std::size_t>(size(g));
  if (send_counts.size() != n || send_displs.size() != n || recv_counts.size() != n || recv_displs.size() != n)
    throw std::invalid_argument("alltoallv: one count and one displacement per rank of the group");
  transport(g).alltoallv(send, send_counts, send_displs, recv, recv_counts, recv_displs, t);
}

void Communicator::broadcast(CommGroup g, const void* send, void* recv, std::int64_t count, ElementType t, int root) {
  issue(g, make_call(Collective::broadcast, count, size(g), t, ReduceOp::sum, root, send == recv), send, recv);
}

void Communicator::send_recv(CommGroup g, const void* send, std::int64_t send_count, int to, void* recv,
                             std::int64_t recv_count, int from, ElementType t) {
  transport(g).sendrecv(send, send_count, to, recv, recv_count, from, t);
}

void Communicator::barrier(CommGroup g) { transport(g).barrier(); }

void Communicator::check_async_errors() const {
  for (const Group& group : m_groups) group.transport->check_async_errors();
}

std::unique_ptr<Communicator> make_communicator(MPI_Comm world, const ParallelLayout& layout,
                                                const TransportFactory& make_transport) {
  int world_rank = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(world, &world_rank));
  std::vector<Communicator::Group> groups;
  // One group at a time, in the same order on every rank (NCCL's init is collective).
  for (const GroupMembership& m : comm_groups(layout, world_rank)) {
    MpiComm comm = split_comm(world, m.color, m.key);
    std::unique_ptr<Transport> transport = make_transport(comm.get());
    groups.push_back({.group = m.group, .comm = std::move(comm), .transport = std::move(transport)});
  }
  return std::make_unique<Communicator>(std::move(groups));
}

}  // namespace flopwall
