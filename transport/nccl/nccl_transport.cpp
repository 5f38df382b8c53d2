#include "transport/nccl/nccl_transport.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <utility>

#include "platform/cuda/cuda_timer.hpp"
#include "platform/mpi_check.hpp"

namespace flopwall {

ncclDataType_t nccl_type(ElementType t) {
  switch (t) {
    case ElementType::int8: return ncclInt8;
    case ElementType::uint8: return ncclUint8;
    case ElementType::int32: return ncclInt32;
    case ElementType::uint32: return ncclUint32;
    case ElementType::int64: return ncclInt64;
    case ElementType::uint64: return ncclUint64;
    case ElementType::half: return ncclFloat16;
    case ElementType::float32: return ncclFloat32;
    case ElementType::float64: return ncclFloat64;
    case ElementType::bfloat16: return ncclBfloat16;
    case ElementType::fp8_e4m3: break;
  }
  throw std::invalid_argument(fmt::format("NCCL moves no {} buffers", element_type_name(t)));
}

ncclRedOp_t nccl_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum: return ncclSum;
    case ReduceOp::prod: return ncclProd;
    case ReduceOp::min: return ncclMin;
    case ReduceOp::max: return ncclMax;
    case ReduceOp::avg: return ncclAvg;
  }
  return ncclSum;
}

namespace {

int comm_rank(MPI_Comm c) {
  int r = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(c, &r));
  return r;
}

std::size_t bytes_of(std::int64_t count, ElementType t) {
  return static_cast<std::size_t>(count * element_type_size(t));
}

}  // namespace

NcclTransport::NcclTransport(MPI_Comm comm, double timeout_s, cudaStream_t follow)
    : m_mpi(comm),
      m_rank(comm_rank(comm)),
      m_timeout_s(timeout_s),
      m_follow(follow),
      m_own_stream(cuda::make_stream()),
      m_stream(m_own_stream.get()),
      m_ready(cuda::make_event(false)),
      m_done(cuda::make_event(false)),
      m_comm(comm, timeout_s) {
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &m_size));
}

template <class F>
void NcclTransport::enqueue(const char* what, F&& call) {
  if (m_follow) {
    FLOPWALL_CUDA_CHECK(cudaEventRecord(m_ready.get(), m_follow));
    FLOPWALL_CUDA_CHECK(cudaStreamWaitEvent(m_stream, m_ready.get(), 0));
  }
  m_comm.enqueue(what, std::forward<F>(call));
  if (m_follow) {
    FLOPWALL_CUDA_CHECK(cudaEventRecord(m_done.get(), m_stream));
    FLOPWALL_CUDA_CHECK(cudaStreamWaitEvent(m_follow, m_done.get(), 0));
  }
}

std::optional<std::string> NcclTransport::unsupported(ElementType type, std::optional<ReduceOp>) const {
  if (type == ElementType::fp8_e4m3) return std::string("--datatype fp8_e4m3 is not moved by NCCL collectives here");
  return std::nullopt;
}

void NcclTransport::allreduce(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op, bool) {
  enqueue("ncclAllReduce", [&] {
    return ncclAllReduce(send, recv, static_cast<std::size_t>(count), nccl_type(t), nccl_op(op), m_comm.get(), m_stream);
  });
}

void NcclTransport::start_allreduce(int slot, void* buffer, std::int64_t count, ElementType t, ReduceOp op) {
  if (!m_follow || slot < 0) throw std::logic_error("an overlapped allreduce needs a run's compute stream and a slot");
  while (m_slot_done.size() <= static_cast<std::size_t>(slot)) m_slot_done.push_back(cuda::make_event(false));
  FLOPWALL_CUDA_CHECK(cudaEventRecord(m_ready.get(), m_follow));
  FLOPWALL_CUDA_CHECK(cudaStreamWaitEvent(m_stream, m_ready.get(), 0));
  m_comm.enqueue("ncclAllReduce", [&] {
    return ncclAllReduce(buffer, buffer, static_cast<std::size_t>(count), nccl_type(t), nccl_op(op), m_comm.get(),
                         m_stream);
  });
  FLOPWALL_CUDA_CHECK(cudaEventRecord(m_slot_done[static_cast<std::size_t>(slot)].get(), m_stream));
}

void NcclTransport::wait(int slot) {
  if (slot < 0 || static_cast<std::size_t>(slot) >= m_slot_done.size()) return;
  FLOPWALL_CUDA_CHECK(cudaStreamWaitEvent(m_follow, m_slot_done[static_cast<std::size_t>(slot)].get(), 0));
}

void NcclTransport::reduce(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op, int root,
                           bool) {
  enqueue("ncclReduce", [&] {
    return ncclReduce(send, recv, static_cast<std::size_t>(count), nccl_type(t), nccl_op(op), root, m_comm.get(),
                      m_stream);
  });
}

void NcclTransport::broadcast(const void* send, void* recv, std::int64_t count, ElementType t, int root, bool) {
  enqueue("ncclBroadcast", [&] {
    return ncclBroadcast(send, recv, static_cast<std::size_t>(count), nccl_type(t), root, m_comm.get(), m_stream);
  });
}

void NcclTransport::allgather(const void* send, void* recv, std::int64_t count, ElementType t, bool) {
  enqueue("ncclAllGather", [&] {
    return ncclAllGather(send, recv, static_cast<std::size_t>(count), nccl_type(t), m_comm.get(), m_stream);
  });
}

void NcclTransport::reducescatter(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op,
                                  bool) {
  enqueue("ncclReduceScatter", [&] {
    return ncclReduceScatter(send, recv, static_cast<std::size_t>(count), nccl_type(t), nccl_op(op), m_comm.get(),
                             m_stream);
  });
}

void NcclTransport::alltoall(const void* send, void* recv, std::int64_t count, ElementType t) {
  enqueue("alltoall", [&] {
    FLOPWALL_NCCL_CHECK(ncclGroupStart());
    for (int peer = 0; peer < m_size; ++peer) {
      const std::size_t at = static_cast<std::size_t>(peer) * bytes_of(count, t);
      FLOPWALL_NCCL_CHECK(ncclSend(static_cast<const std::byte*>(send) + at, static_cast<std::size_t>(count),
                                   nccl_type(t), peer, m_comm.get(), m_stream));
      FLOPWALL_NCCL_CHECK(ncclRecv(static_cast<std::byte*>(recv) + at, static_cast<std::size_t>(count), nccl_type(t),
                                   peer, m_comm.get(), m_stream));
    }
    return ncclGroupEnd();
  });
}

void NcclTransport::alltoallv(const void* send, std::span<const std::int64_t> send_counts,
                              std::span<const std::int64_t> send_displs, void* recv,
                              std::span<const std::int64_t> recv_counts, std::span<const std::int64_t> recv_displs,
                              ElementType t) {
  enqueue("alltoallv", [&] {
    FLOPWALL_NCCL_CHECK(ncclGroupStart());
    for (int peer = 0; peer < m_size; ++peer) {
      const auto p = static_cast<std::size_t>(peer);
      if (send_counts[p] > 0)
        FLOPWALL_NCCL_CHECK(ncclSend(static_cast<const std::byte*>(send) + bytes_of(send_displs[p], t),
                                     static_cast<std::size_t>(send_counts[p]), nccl_type(t), peer, m_comm.get(),
                                     m_stream));
      if (recv_counts[p] > 0)
        FLOPWALL_NCCL_CHECK(ncclRecv(static_cast<std::byte*>(recv) + bytes_of(recv_displs[p], t),
                                     static_cast<std::size_t>(recv_counts[p]), nccl_type(t), peer, m_comm.get(),
                                     m_stream));
    }
    return ncclGroupEnd();
  });
}

void NcclTransport::sendrecv(const void* send, std::int64_t send_count, int to, void* recv, std::int64_t recv_count,
                             int from, ElementType t) {
  enqueue("sendrecv", [&] {
    FLOPWALL_NCCL_CHECK(ncclGroupStart());
    FLOPWALL_NCCL_CHECK(ncclSend(send, static_cast<std::size_t>(send_count), nccl_type(t), to, m_comm.get(), m_stream));
    FLOPWALL_NCCL_CHECK(ncclRecv(recv, static_cast<std::size_t>(recv_count), nccl_type(t), from, m_comm.get(), m_stream));
    return ncclGroupEnd();
  });
}

void NcclTransport::barrier() { FLOPWALL_MPI_CHECK(MPI_Barrier(m_mpi)); }

void NcclTransport::reserve(std::size_t max_bytes) {
  m_send = cuda::DeviceBuffer(max_bytes);
  m_recv = cuda::DeviceBuffer(max_bytes);
}

void NcclTransport::load(const CollectiveCall& call, std::span<const double> input) {
  const CallLayout at = call_layout(call, m_rank);
  // On the stream NCCL runs on, then waited for: a pageable cudaMemcpy can
  // return before its DMA lands, and the stream does not wait for it.
  std::vector<std::byte> image = sentinel_image(call), host = image;
  FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(m_recv.get(), image.data(), image.size(), cudaMemcpyHostToDevice, m_stream));
  encode(call.type, input, host.data());
  auto* dst = static_cast<std::byte*>(call.in_place ? m_recv.get() : m_send.get()) + at.input_offset_bytes;
  FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(dst, host.data(), static_cast<std::size_t>(at.input_bytes),
                                      cudaMemcpyHostToDevice, m_stream));
  FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(m_stream));
}

void NcclTransport::run(const CollectiveCall& call, int warmup, std::span<OpSpan> spans) {
  const CollectiveDescriptor& d = descriptor(call.collective);  // looked up once, not per call
  const cuda::WaitPolicy policy{.timeout_s = m_timeout_s, .check_async_errors = [this] { m_comm.check_async_error(); }};
  for (int i = 0; i < warmup; ++i) d.issue(*this, call, m_send.get(), m_recv.get());
  cuda::wait_for_stream(m_stream, policy, "the warm-up calls");  // a dead peer must not hang here
  cuda::CudaTimer timer(m_stream, spans.size(), policy);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    timer.begin(i);
    d.issue(*this, call, m_send.get(), m_recv.get());
    timer.end(i);
  }
  timer.resolve(spans);
}

std::vector<double> NcclTransport::result(const CollectiveCall& call) {
  const CallLayout at = call_layout(call, m_rank);
  std::vector<std::byte> host(static_cast<std::size_t>(at.result_bytes));
  FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(host.data(), static_cast<std::byte*>(m_recv.get()) + at.result_offset_bytes,
                                      host.size(), cudaMemcpyDeviceToHost, m_stream));
  FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(m_stream));
  std::vector<double> out(static_cast<std::size_t>(call.shape.recv_count));
  decode(call.type, host.data(), out);
  return out;
}

}  // namespace flopwall
