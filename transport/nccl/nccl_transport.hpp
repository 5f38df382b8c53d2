#pragma once
// Collectives over NCCL on device buffers: the cuda backend's transport.
// Calls go to a stream of the transport's own. In a run they are ordered
// against the device's compute stream by two events (docs/gpu.md, Streams):
// a call starts after the ops enqueued before it and the ops after it wait
// for it, so the compute stream's timing events bracket it. In a sweep
// CudaTimer times the transport's stream directly.
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <vector>

#include "platform/cuda/cuda_resources.hpp"
#include "transport/nccl/nccl_comm.hpp"
#include "transport/transport.hpp"

namespace flopwall {

class NcclTransport final : public Transport {
 public:
  // `follow`: the compute stream a run's calls are ordered against; nullptr in a sweep.
  NcclTransport(MPI_Comm comm, double timeout_s, cudaStream_t follow = nullptr);

  std::string_view name() const noexcept override { return "nccl"; }
  int rank() const noexcept override { return m_rank; }
  int size() const noexcept override { return m_size; }
  std::optional<std::string> unsupported(ElementType type, std::optional<ReduceOp> op) const override;
  bool supports_in_place(Collective c) const override { return descriptor(c).in_place; }
  void check_async_errors() const override { m_comm.check_async_error(); }

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
  // A host-side barrier over the same ranks (MPI): NCCL has none.
  void barrier() override;

  void reserve(std::size_t max_bytes) override;
  void load(const CollectiveCall& call, std::span<const double> input) override;
  void run(const CollectiveCall& call, int warmup, std::span<OpSpan> spans) override;
  std::vector<double> result(const CollectiveCall& call) override;

  // A run's overlapped allreduce: enqueued on the transport's stream after
  // the followed stream's work, without making that stream wait; wait()
  // makes it wait for the slot's call. The GPU progresses NCCL on its own.
  void start_allreduce(int slot, void* buffer, std::int64_t count, ElementType t, ReduceOp op) override;
  bool progress() override { return false; }
  void wait(int slot) override;

 private:
  MPI_Comm m_mpi;
  int m_rank = 0, m_size = 1;
  double m_timeout_s;
  // Enqueues through `call` on m_stream, after and before the followed stream's work.
  template <class F>
  void enqueue(const char* what, F&& call);

  cudaStream_t m_follow;
  cuda::Stream m_own_stream;
  cudaStream_t m_stream;
  cuda::Event m_ready, m_done;  // ordering only (no timing)
  std::vector<cuda::Event> m_slot_done;  // by slot: the end of its started allreduce
  NcclComm m_comm;
  cuda::DeviceBuffer m_send, m_recv;
};

// The one mapping of element types and reductions to NCCL's.
ncclDataType_t nccl_type(ElementType t);
ncclRedOp_t nccl_op(ReduceOp op);

}  // namespace flopwall
