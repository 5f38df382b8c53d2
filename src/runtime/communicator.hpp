#pragma once
// The run's collectives on the plan's groups: one transport per group this
// rank belongs to, built from the model's split (model/plan.hpp,
// comm_groups). Every call goes through the collective's descriptor, as the
// sweep's do (collectives/collective.hpp), to the group's transport.
#include <memory>
#include <span>
#include <vector>

#include "model/op.hpp"
#include "model/plan.hpp"
#include "platform/mpi_environment.hpp"
#include "transport/transport.hpp"

namespace flopwall {

class Communicator {
 public:
  struct Group {
    CommGroup group;
    MpiComm comm;                          // the group's ranks, which the transport works on
    std::unique_ptr<Transport> transport;  // declared last: gone before its communicator
  };
  explicit Communicator(std::vector<Group> groups) : m_groups(std::move(groups)) {}

  Transport& transport(CommGroup g) const;
  int size(CommGroup g) const { return transport(g).size(); }
  int rank(CommGroup g) const { return transport(g).rank(); }

  // One call through its descriptor; the plan's comm ops come here.
  void issue(CommGroup g, const CollectiveCall& call, const void* send, void* recv);

  // What the workloads use. Counts are in elements; in place when send == recv
  // (allgather: when send is this rank's chunk of recv).
  void allreduce(CommGroup g, const void* send, void* recv, std::int64_t count, ElementType t,
                 ReduceOp op = ReduceOp::sum);
  void allgather(CommGroup g, const void* send, void* recv, std::int64_t count_per_rank, ElementType t);
  void reduce_scatter(CommGroup g, const void* send, void* recv, std::int64_t count_per_rank, ElementType t,
                      ReduceOp op = ReduceOp::sum);
  void alltoall(CommGroup g, const void* send, void* recv, std::int64_t count_per_rank, ElementType t);
  void alltoallv(CommGroup g, const void* send, std::span<const std::int64_t> send_counts,
                 std::span<const std::int64_t> send_displs, void* recv, std::span<const std::int64_t> recv_counts,
                 std::span<const std::int64_t> recv_displs, ElementType t);
  void broadcast(CommGroup g, const void* send, void* recv, std::int64_t count, ElementType t, int root);
  // Sends to rank `to` and receives from rank `from` of the group, together.
  void send_recv(CommGroup g, const void* send, std::int64_t send_count, int to, void* recv, std::int64_t recv_count,
                 int from, ElementType t);
  void barrier(CommGroup g);
  // A nonblocking in-place allreduce on group g under `slot` (the transport's
  // start_allreduce), its completion, and progress for every one in flight.
  void start_allreduce(CommGroup g, int slot, const CollectiveCall& call, void* buffer);
  void wait(CommGroup g, int slot);
  void progress();
  bool in_flight() const noexcept { return m_in_flight > 0; }

  // Throws if any transport has reported an asynchronous failure.
  void check_async_errors() const;

 private:
  std::vector<Group> m_groups;
  int m_in_flight = 0;  // started and not yet waited for
};

// Collective over `world`: splits it into the layout's groups and makes one
// transport per group, in the same order on every rank.
std::unique_ptr<Communicator> make_communicator(MPI_Comm world, const ParallelLayout& layout,
                                                const TransportFactory& make_transport);

}  // namespace flopwall
