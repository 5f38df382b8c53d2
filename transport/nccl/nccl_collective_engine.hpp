#pragma once
// CollectiveEngine over NCCL on device buffers, timed by CUDA events per
// iteration (CudaTimer): the cuda backend's transport for the sweep.
#include "platform/cuda/cuda_resources.hpp"
#include "transport/transport.hpp"
#include "transport/nccl/nccl_comm.hpp"
#include "platform/mpi_environment.hpp"

namespace flopwall {

class NcclCollectiveEngine final : public CollectiveEngine {
 public:
  NcclCollectiveEngine(MPI_Comm comm, double timeout_s);

  std::string_view transport() const noexcept override { return "nccl"; }
  int rank() const override { return m_rank; }
  int size() const override { return m_size; }
  std::optional<std::string> unsupported(ElementType, std::optional<ReduceOp>) const override { return std::nullopt; }
  bool supports_in_place(Collective c) const override;
  void reserve(std::size_t max_bytes) override;
  void load(const CollectiveCall& call, std::span<const double> input) override;
  void run(const CollectiveCall& call, int warmup, std::span<OpSpan> spans) override;
  std::vector<double> result(const CollectiveCall& call) override;

 private:
  void call_once(const CollectiveCall& call);

  int m_rank = 0, m_size = 1;
  double m_timeout_s;
  cuda::Stream m_stream;
  NcclComm m_comm;
  cuda::DeviceBuffer m_send, m_recv;
};

}  // namespace flopwall
