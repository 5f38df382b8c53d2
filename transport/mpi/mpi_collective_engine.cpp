#include "transport/mpi/mpi_collective_engine.hpp"

#include <fmt/format.h>

#include <climits>
#include <cstring>
#include <stdexcept>

#include "platform/host_ticks.hpp"
#include "platform/mpi_check.hpp"

namespace flopwall {
namespace {

MPI_Datatype mpi_type(ElementType t) {
  switch (t) {
    case ElementType::int8: return MPI_INT8_T;
    case ElementType::uint8: return MPI_UINT8_T;
    case ElementType::int32: return MPI_INT32_T;
    case ElementType::uint32: return MPI_UINT32_T;
    case ElementType::int64: return MPI_INT64_T;
    case ElementType::uint64: return MPI_UINT64_T;
    case ElementType::float32: return MPI_FLOAT;
    case ElementType::float64: return MPI_DOUBLE;
    case ElementType::half:
    case ElementType::bfloat16: break;
  }
  return MPI_DATATYPE_NULL;
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum: return MPI_SUM;
    case ReduceOp::prod: return MPI_PROD;
    case ReduceOp::min: return MPI_MIN;
    case ReduceOp::max: return MPI_MAX;
    case ReduceOp::avg: break;
  }
  return MPI_OP_NULL;
}

int mpi_count(std::int64_t count) {
  if (count > INT_MAX) throw std::runtime_error("MPI counts are int: this size needs more than INT_MAX elements");
  return static_cast<int>(count);
}

}  // namespace

MpiCollectiveEngine::MpiCollectiveEngine(MPI_Comm comm) : m_comm(comm) {
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm, &m_rank));
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &m_size));
}

std::optional<std::string> MpiCollectiveEngine::unsupported(ElementType type, std::optional<ReduceOp> op) const {
  if (mpi_type(type) == MPI_DATATYPE_NULL)
    return fmt::format("--datatype {} is not supported by the cpu backend (MPI has no such type); valid: int8, uint8, "
                       "int32, uint32, int64, uint64, float, double",
                       element_type_name(type));
  if (op && mpi_op(*op) == MPI_OP_NULL)
    return fmt::format("--op {} is not supported by the cpu backend (MPI has no such reduction); valid: sum, prod, "
                       "min, max",
                       reduce_op_name(*op));
  return std::nullopt;
}

// MPI's in-place reduce-scatter leaves the result at the start of the buffer,
// not on the rank's own chunk as NCCL does; flopwall keeps NCCL's layout, so
// on MPI that form, like in-place alltoall and sendrecv, is reported n/a.
bool MpiCollectiveEngine::supports_in_place(Collective c) const {
  return c == Collective::allreduce || c == Collective::allgather || c == Collective::broadcast ||
         c == Collective::reduce;
}

void MpiCollectiveEngine::reserve(std::size_t max_bytes) {
  m_send.assign(max_bytes, std::byte{0});
  m_recv.assign(max_bytes, std::byte{0});
}

void MpiCollectiveEngine::load(const CollectiveCall& call, std::span<const double> input) {
  const CallLayout at = call_layout(call, m_rank);
  const std::vector<std::byte> image = sentinel_image(call);
  std::copy(image.begin(), image.end(), m_recv.begin());
  encode(call.type, input, (call.in_place ? m_recv.data() : m_send.data()) + at.input_offset_bytes);
}

void MpiCollectiveEngine::call_once(const CollectiveCall& call) {
  const auto& s = call.shape;
  const MPI_Datatype t = mpi_type(call.type);
  const std::int64_t e = element_type_size(call.type);
  void* recv = m_recv.data();
  const void* send = call.in_place ? MPI_IN_PLACE : m_send.data();
  switch (call.collective) {
    case Collective::allreduce:
      FLOPWALL_MPI_CHECK(MPI_Allreduce(send, recv, mpi_count(s.param_count), t, mpi_op(call.op), m_comm));
      return;
    case Collective::reduce:
      // In place, only the root passes MPI_IN_PLACE; the others' input is their buffer.
      FLOPWALL_MPI_CHECK(MPI_Reduce(call.in_place && m_rank != call.root ? recv : send, recv,
                                    mpi_count(s.param_count), t, mpi_op(call.op), call.root, m_comm));
      return;
    case Collective::broadcast:
      // MPI broadcasts in place; out of place, the root first copies its input over.
      if (!call.in_place && m_rank == call.root) std::memcpy(recv, m_send.data(), static_cast<std::size_t>(s.param_count * e));
      FLOPWALL_MPI_CHECK(MPI_Bcast(recv, mpi_count(s.param_count), t, call.root, m_comm));
      return;
    case Collective::allgather:
      FLOPWALL_MPI_CHECK(MPI_Allgather(send, mpi_count(s.param_count), t, recv, mpi_count(s.param_count), t, m_comm));
      return;
    case Collective::reducescatter:
      FLOPWALL_MPI_CHECK(MPI_Reduce_scatter_block(send, recv, mpi_count(s.param_count), t, mpi_op(call.op), m_comm));
      return;
    case Collective::alltoall:
      FLOPWALL_MPI_CHECK(MPI_Alltoall(send, mpi_count(s.param_count), t, recv, mpi_count(s.param_count), t, m_comm));
      return;
    case Collective::sendrecv: {
      const int next = (m_rank + 1) % m_size, prev = (m_rank - 1 + m_size) % m_size;
      FLOPWALL_MPI_CHECK(MPI_Sendrecv(m_send.data(), mpi_count(s.param_count), t, next, 0, recv,
                                      mpi_count(s.param_count), t, prev, 0, m_comm, MPI_STATUS_IGNORE));
      return;
    }
  }
}

void MpiCollectiveEngine::run(const CollectiveCall& call, int warmup, std::span<OpSpan> spans) {
  for (int i = 0; i < warmup; ++i) call_once(call);
  // Raw ticks in the loop, steady-clock ns afterwards (backend/host_ticks.hpp).
  const host_ticks::Anchor before = host_ticks::anchor();
  for (OpSpan& span : spans) {
    span.start_ns = host_ticks::now();
    call_once(call);
    span.end_ns = host_ticks::now();
  }
  const host_ticks::Anchor after = host_ticks::anchor();
  for (OpSpan& span : spans)
    span = {host_ticks::to_ns(span.start_ns, before, after), host_ticks::to_ns(span.end_ns, before, after)};
}

std::vector<double> MpiCollectiveEngine::result(const CollectiveCall& call) {
  std::vector<double> out(static_cast<std::size_t>(call.shape.recv_count));
  decode(call.type, m_recv.data() + call_layout(call, m_rank).result_offset_bytes, out);
  return out;
}

}  // namespace flopwall
