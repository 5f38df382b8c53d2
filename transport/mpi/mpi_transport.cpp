#include "transport/mpi/mpi_transport.hpp"

#include <fmt/format.h>

#include <climits>
#include <stdexcept>

#include "platform/host_ticks.hpp"
#include "platform/mpi_check.hpp"
#include "transport/mpi/mpi_bfloat16.hpp"

namespace flopwall {

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
    case ElementType::bfloat16: return mpi_bfloat16();
    case ElementType::half:
    case ElementType::fp8_e4m3: break;
  }
  return MPI_DATATYPE_NULL;
}

MPI_Op mpi_op(ReduceOp op) noexcept {
  switch (op) {
    case ReduceOp::sum: return MPI_SUM;
    case ReduceOp::prod: return MPI_PROD;
    case ReduceOp::min: return MPI_MIN;
    case ReduceOp::max: return MPI_MAX;
    case ReduceOp::avg: break;
  }
  return MPI_OP_NULL;
}

MPI_Op mpi_op(ReduceOp op, ElementType t) { return t == ElementType::bfloat16 ? mpi_bfloat16_op(op) : mpi_op(op); }

namespace {

int mpi_count(std::int64_t count) {
  if (count > INT_MAX) throw std::runtime_error("MPI counts are int: this size needs more than INT_MAX elements");
  return static_cast<int>(count);
}

std::vector<int> mpi_counts(std::span<const std::int64_t> counts) {
  std::vector<int> out;
  out.reserve(counts.size());
  for (const std::int64_t c : counts) out.push_back(mpi_count(c));
  return out;
}

}  // namespace

MpiTransport::MpiTransport(MPI_Comm comm) : m_comm(comm) {
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm, &m_rank));
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &m_size));
}

std::optional<std::string> MpiTransport::unsupported(ElementType type, std::optional<ReduceOp> op) const {
  if (mpi_type(type) == MPI_DATATYPE_NULL)
    return fmt::format("--datatype {} is not supported by the cpu backend (MPI has no such type); valid: int8, uint8, "
                       "int32, uint32, int64, uint64, float, double, bfloat16",
                       element_type_name(type));
  if (op && mpi_op(*op, type) == MPI_OP_NULL)
    return fmt::format("--op {} is not supported by the cpu backend (MPI has no such reduction); valid: sum, prod, "
                       "min, max",
                       reduce_op_name(*op));
  return std::nullopt;
}

// MPI's in-place reduce-scatter leaves the result at the start of the buffer,
// not on the rank's own chunk as NCCL does; flopwall keeps NCCL's layout, so
// on MPI that form, like in-place alltoall and sendrecv, is reported n/a.
bool MpiTransport::supports_in_place(Collective c) const {
  return descriptor(c).in_place && c != Collective::reducescatter;
}

void MpiTransport::reserve(std::size_t max_bytes) {
  m_send.assign(max_bytes, std::byte{0});
  m_recv.assign(max_bytes, std::byte{0});
}

void MpiTransport::load(const CollectiveCall& call, std::span<const double> input) {
  const CallLayout at = call_layout(call, m_rank);
  const std::vector<std::byte> image = sentinel_image(call);
  std::copy(image.begin(), image.end(), m_recv.begin());
  encode(call.type, input, (call.in_place ? m_recv.data() : m_send.data()) + at.input_offset_bytes);
  // MPI_Bcast has one buffer: out of place, the root sends from its input and
  // its output is staged here, outside every timed call (see broadcast()).
  if (call.collective == Collective::broadcast && !call.in_place && m_rank == call.root)
    encode(call.type, input, m_recv.data() + at.result_offset_bytes);
}

void MpiTransport::allreduce(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op,
                             bool in_place) {
  FLOPWALL_MPI_CHECK(
      MPI_Allreduce(in_place ? MPI_IN_PLACE : send, recv, mpi_count(count), mpi_type(t), mpi_op(op, t), m_comm));
}

void MpiTransport::start_allreduce(int slot, void* buffer, std::int64_t count, ElementType t, ReduceOp op) {
  if (slot < 0) throw std::logic_error("a nonblocking allreduce needs a slot >= 0");
  if (static_cast<std::size_t>(slot) >= m_requests.size()) m_requests.resize(static_cast<std::size_t>(slot) + 1, MPI_REQUEST_NULL);
  MPI_Request& request = m_requests[static_cast<std::size_t>(slot)];
  if (request != MPI_REQUEST_NULL) throw std::logic_error("a nonblocking allreduce was started on a busy slot");
  FLOPWALL_MPI_CHECK(
      MPI_Iallreduce(MPI_IN_PLACE, buffer, mpi_count(count), mpi_type(t), mpi_op(op, t), m_comm, &request));
  ++m_in_flight;
}

bool MpiTransport::progress() {
  if (m_in_flight == 0) return false;
  for (MPI_Request& request : m_requests) {
    if (request == MPI_REQUEST_NULL) continue;
    int done = 0;
    FLOPWALL_MPI_CHECK(MPI_Test(&request, &done, MPI_STATUS_IGNORE));  // sets the request to null when done
    if (done) --m_in_flight;
  }
  return m_in_flight > 0;
}

void MpiTransport::wait(int slot) {
  if (slot < 0 || static_cast<std::size_t>(slot) >= m_requests.size()) return;
  MPI_Request& request = m_requests[static_cast<std::size_t>(slot)];
  if (request == MPI_REQUEST_NULL) return;  // completed during an earlier progress()
  FLOPWALL_MPI_CHECK(MPI_Wait(&request, MPI_STATUS_IGNORE));
  --m_in_flight;
}

void MpiTransport::reduce(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op, int root,
                          bool in_place) {
  // In place, only the root passes MPI_IN_PLACE; the others' input is their buffer.
  const void* input = !in_place ? send : m_rank == root ? MPI_IN_PLACE : recv;
  FLOPWALL_MPI_CHECK(MPI_Reduce(input, recv, mpi_count(count), mpi_type(t), mpi_op(op, t), root, m_comm));
}

void MpiTransport::broadcast(const void* send, void* recv, std::int64_t count, ElementType t, int root,
                             bool in_place) {
  // MPI broadcasts one buffer. Out of place the root sends straight from its
  // input, so the timed span holds MPI_Bcast alone, as OSU times it; the
  // root's own output is not written by the call (load() stages it for the
  // check). Copying it here cost 2.2x OSU from 1 MiB up: a host memcpy, not
  // the collective (docs/collectives.md, "Out of place on MPI").
  void* buffer = !in_place && m_rank == root ? const_cast<void*>(send) : recv;
  FLOPWALL_MPI_CHECK(MPI_Bcast(buffer, mpi_count(count), mpi_type(t), root, m_comm));
}

void MpiTransport::allgather(const void* send, void* recv, std::int64_t count, ElementType t, bool in_place) {
  FLOPWALL_MPI_CHECK(MPI_Allgather(in_place ? MPI_IN_PLACE : send, mpi_count(count), mpi_type(t), recv,
                                   mpi_count(count), mpi_type(t), m_comm));
}

void MpiTransport::reducescatter(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op,
                                 bool in_place) {
  // MPI_Reduce_scatter with equal counts, as OSU and mpi4py call it, not
  // MPI_Reduce_scatter_block: same result, but Open MPI 4.1 runs the _block
  // form as a reduce then a scatter, 1.7-2x slower from 1 MiB up on 2 ranks
  // (docs/collectives.md). The counts are refilled only when they change.
  if (m_scatter_counts.empty() || m_scatter_counts.front() != mpi_count(count))
    m_scatter_counts.assign(static_cast<std::size_t>(m_size), mpi_count(count));
  FLOPWALL_MPI_CHECK(MPI_Reduce_scatter(in_place ? MPI_IN_PLACE : send, recv, m_scatter_counts.data(), mpi_type(t),
                                        mpi_op(op, t), m_comm));
}

void MpiTransport::alltoall(const void* send, void* recv, std::int64_t count, ElementType t) {
  FLOPWALL_MPI_CHECK(
      MPI_Alltoall(send, mpi_count(count), mpi_type(t), recv, mpi_count(count), mpi_type(t), m_comm));
}

void MpiTransport::alltoallv(const void* send, std::span<const std::int64_t> send_counts,
                             std::span<const std::int64_t> send_displs, void* recv,
                             std::span<const std::int64_t> recv_counts, std::span<const std::int64_t> recv_displs,
                             ElementType t) {
  const std::vector<int> sc = mpi_counts(send_counts), sd = mpi_counts(send_displs);
  const std::vector<int> rc = mpi_counts(recv_counts), rd = mpi_counts(recv_displs);
  FLOPWALL_MPI_CHECK(
      MPI_Alltoallv(send, sc.data(), sd.data(), mpi_type(t), recv, rc.data(), rd.data(), mpi_type(t), m_comm));
}

void MpiTransport::sendrecv(const void* send, std::int64_t send_count, int to, void* recv, std::int64_t recv_count,
                            int from, ElementType t) {
  FLOPWALL_MPI_CHECK(MPI_Sendrecv(send, mpi_count(send_count), mpi_type(t), to, 0, recv, mpi_count(recv_count),
                                  mpi_type(t), from, 0, m_comm, MPI_STATUS_IGNORE));
}

void MpiTransport::barrier() { FLOPWALL_MPI_CHECK(MPI_Barrier(m_comm)); }

void MpiTransport::run(const CollectiveCall& call, int warmup, std::span<OpSpan> spans) {
  const CollectiveDescriptor& d = descriptor(call.collective);  // looked up once, not per call
  for (int i = 0; i < warmup; ++i) d.issue(*this, call, m_send.data(), m_recv.data());
  // Raw ticks in the loop, steady-clock ns afterwards (backend/host_ticks.hpp).
  const host_ticks::Anchor before = host_ticks::anchor();
  for (OpSpan& span : spans) {
    span.start_ns = host_ticks::now();
    d.issue(*this, call, m_send.data(), m_recv.data());
    span.end_ns = host_ticks::now();
  }
  const host_ticks::Anchor after = host_ticks::anchor();
  for (OpSpan& span : spans)
    span = {host_ticks::to_ns(span.start_ns, before, after), host_ticks::to_ns(span.end_ns, before, after)};
}

std::vector<double> MpiTransport::result(const CollectiveCall& call) {
  std::vector<double> out(static_cast<std::size_t>(call.shape.recv_count));
  decode(call.type, m_recv.data() + call_layout(call, m_rank).result_offset_bytes, out);
  return out;
}

}  // namespace flopwall
