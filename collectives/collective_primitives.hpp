#pragma once
// What a transport must offer so that every collective descriptor can issue
// itself on it: the native calls MPI and NCCL share. A descriptor's `issue`
// (collectives/collective.hpp) maps one CollectiveCall onto these; a new
// collective built from them needs no transport change.
//
// Buffers are in the transport's memory (host for MPI, device for NCCL).
// In place, the input already sits inside `recv` (at the descriptor's
// in_place_offset) and `send` points at it; `in_place` tells a transport
// that spells in-place calls its own way (MPI_IN_PLACE). Each call returns
// once issued: complete on MPI, enqueued on NCCL's stream.
#include <cstdint>
#include <span>

#include "collectives/reduce_op.hpp"
#include "core/element_type.hpp"

namespace flopwall {

class CollectivePrimitives {
 public:
  virtual ~CollectivePrimitives() = default;
  virtual int rank() const noexcept = 0;
  virtual int size() const noexcept = 0;

  virtual void allreduce(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op,
                         bool in_place) = 0;
  virtual void reduce(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op, int root,
                      bool in_place) = 0;
  virtual void broadcast(const void* send, void* recv, std::int64_t count, ElementType t, int root,
                         bool in_place) = 0;
  // count: elements each rank contributes (allgather, alltoall) or receives (reducescatter).
  virtual void allgather(const void* send, void* recv, std::int64_t count, ElementType t, bool in_place) = 0;
  virtual void reducescatter(const void* send, void* recv, std::int64_t count, ElementType t, ReduceOp op,
                             bool in_place) = 0;
  virtual void alltoall(const void* send, void* recv, std::int64_t count, ElementType t) = 0;
  // Per peer p: send_counts[p] elements from send + send_displs[p], received
  // into recv + recv_displs[p] (recv_counts[p] elements); all in elements.
  virtual void alltoallv(const void* send, std::span<const std::int64_t> send_counts,
                         std::span<const std::int64_t> send_displs, void* recv,
                         std::span<const std::int64_t> recv_counts, std::span<const std::int64_t> recv_displs,
                         ElementType t) = 0;
  // Sends send_count elements to rank `to` and receives recv_count from rank `from`, together.
  virtual void sendrecv(const void* send, std::int64_t send_count, int to, void* recv, std::int64_t recv_count,
                        int from, ElementType t) = 0;
  virtual void barrier() = 0;
};

}  // namespace flopwall
