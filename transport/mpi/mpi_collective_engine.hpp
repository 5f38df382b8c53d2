#pragma once
// CollectiveEngine over MPI on host buffers: the cpu backend's transport.
#include <mpi.h>

#include "transport/transport.hpp"

namespace flopwall {

class MpiCollectiveEngine final : public CollectiveEngine {
 public:
  explicit MpiCollectiveEngine(MPI_Comm comm);

  std::string_view transport() const noexcept override { return "mpi"; }
  int rank() const override { return m_rank; }
  int size() const override { return m_size; }
  std::optional<std::string> unsupported(ElementType type, std::optional<ReduceOp> op) const override;
  bool supports_in_place(Collective c) const override;
  void reserve(std::size_t max_bytes) override;
  void load(const CollectiveCall& call, std::span<const double> input) override;
  void run(const CollectiveCall& call, int warmup, std::span<OpSpan> spans) override;
  std::vector<double> result(const CollectiveCall& call) override;

 private:
  void call_once(const CollectiveCall& call);

  MPI_Comm m_comm;
  int m_rank = 0, m_size = 1;
  std::vector<std::byte> m_send, m_recv;
};

}  // namespace flopwall
