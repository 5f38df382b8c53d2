#include "transport/nccl/nccl_collective_engine.hpp"

#include <algorithm>

#include "platform/cuda/cuda_timer.hpp"
#include "platform/mpi_check.hpp"

namespace flopwall {
namespace {

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
  }
  return ncclFloat32;
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

int comm_rank(MPI_Comm c) {
  int r = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(c, &r));
  return r;
}

}  // namespace

NcclCollectiveEngine::NcclCollectiveEngine(MPI_Comm comm, double timeout_s)
    : m_rank(comm_rank(comm)), m_timeout_s(timeout_s), m_stream(cuda::make_stream()), m_comm(comm, timeout_s) {
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &m_size));
}

bool NcclCollectiveEngine::supports_in_place(Collective c) const {
  return c != Collective::alltoall && c != Collective::sendrecv;
}

void NcclCollectiveEngine::reserve(std::size_t max_bytes) {
  m_send = cuda::DeviceBuffer(max_bytes);
  m_recv = cuda::DeviceBuffer(max_bytes);
}

void NcclCollectiveEngine::load(const CollectiveCall& call, std::span<const double> input) {
  const CallLayout at = call_layout(call, m_rank);
  // On the stream NCCL runs on, then waited for: a pageable cudaMemcpy can
  // return before its DMA lands, and m_stream does not wait for it.
  std::vector<std::byte> image = sentinel_image(call), host = image;
  FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(m_recv.get(), image.data(), image.size(), cudaMemcpyHostToDevice, m_stream.get()));
  encode(call.type, input, host.data());
  auto* dst = static_cast<std::byte*>(call.in_place ? m_recv.get() : m_send.get()) + at.input_offset_bytes;
  FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(dst, host.data(), static_cast<std::size_t>(at.input_bytes),
                                      cudaMemcpyHostToDevice, m_stream.get()));
  FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(m_stream.get()));
}

void NcclCollectiveEngine::call_once(const CollectiveCall& call) {
  const auto& s = call.shape;
  const std::int64_t e = element_type_size(call.type);
  const ncclDataType_t t = nccl_type(call.type);
  const auto n = static_cast<std::size_t>(s.param_count);
  const CallLayout at = call_layout(call, m_rank);
  auto* recv = static_cast<std::byte*>(m_recv.get());
  const std::byte* send = (call.in_place ? recv : static_cast<const std::byte*>(m_send.get())) + at.input_offset_bytes;
  // In place, NCCL's reduce-scatter writes rank r's chunk inside the input.
  std::byte* out = recv + at.result_offset_bytes;
  ncclComm_t c = m_comm.get();
  cudaStream_t st = m_stream.get();
  switch (call.collective) {
    case Collective::allreduce:
      return m_comm.enqueue("ncclAllReduce", [&] { return ncclAllReduce(send, out, n, t, nccl_op(call.op), c, st); });
    case Collective::reduce:
      return m_comm.enqueue("ncclReduce", [&] { return ncclReduce(send, out, n, t, nccl_op(call.op), call.root, c, st); });
    case Collective::broadcast:
      return m_comm.enqueue("ncclBroadcast", [&] { return ncclBroadcast(send, out, n, t, call.root, c, st); });
    case Collective::allgather:
      return m_comm.enqueue("ncclAllGather", [&] { return ncclAllGather(send, recv, n, t, c, st); });
    case Collective::reducescatter:
      return m_comm.enqueue("ncclReduceScatter",
                            [&] { return ncclReduceScatter(send, out, n, t, nccl_op(call.op), c, st); });
    case Collective::alltoall:
      return m_comm.enqueue("alltoall", [&] {
        FLOPWALL_NCCL_CHECK(ncclGroupStart());
        for (int peer = 0; peer < m_size; ++peer) {
          const std::size_t at = static_cast<std::size_t>(peer) * n * static_cast<std::size_t>(e);
          FLOPWALL_NCCL_CHECK(ncclSend(send + at, n, t, peer, c, st));
          FLOPWALL_NCCL_CHECK(ncclRecv(recv + at, n, t, peer, c, st));
        }
        return ncclGroupEnd();
      });
    case Collective::sendrecv:
      return m_comm.enqueue("sendrecv", [&] {
        FLOPWALL_NCCL_CHECK(ncclGroupStart());
        FLOPWALL_NCCL_CHECK(ncclSend(send, n, t, (m_rank + 1) % m_size, c, st));
        FLOPWALL_NCCL_CHECK(ncclRecv(recv, n, t, (m_rank - 1 + m_size) % m_size, c, st));
        return ncclGroupEnd();
      });
  }
}

void NcclCollectiveEngine::run(const CollectiveCall& call, int warmup, std::span<OpSpan> spans) {
  const cuda::WaitPolicy policy{.timeout_s = m_timeout_s, .check_async_errors = [this] { m_comm.check_async_error(); }};
  for (int i = 0; i < warmup; ++i) call_once(call);
  cuda::wait_for_stream(m_stream.get(), policy, "the warm-up calls");  // a dead peer must not hang here
  cuda::CudaTimer timer(m_stream.get(), spans.size(), policy);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    timer.begin(i);
    call_once(call);
    timer.end(i);
  }
  timer.resolve(spans);
}

std::vector<double> NcclCollectiveEngine::result(const CollectiveCall& call) {
  const CallLayout at = call_layout(call, m_rank);
  std::vector<std::byte> host(static_cast<std::size_t>(at.result_bytes));
  FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(host.data(), static_cast<std::byte*>(m_recv.get()) + at.result_offset_bytes,
                                      host.size(), cudaMemcpyDeviceToHost, m_stream.get()));
  FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(m_stream.get()));
  std::vector<double> out(static_cast<std::size_t>(call.shape.recv_count));
  decode(call.type, host.data(), out);
  return out;
}

}  // namespace flopwall
