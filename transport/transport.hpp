#pragma once
// A transport runs collectives on the one communicator it is given: MPI on
// host buffers (mpi/), NCCL on device buffers (nccl/). Runs and sweeps use
// the same transports through the same descriptors: a run's comm op issues
// its call on the plan's buffers (runtime/communicator.hpp), a sweep loads
// its own buffers here and times repeated calls.
#include <mpi.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "collectives/collective.hpp"
#include "collectives/collective_primitives.hpp"
#include "platform/op_timer.hpp"

namespace flopwall {

class Transport : public CollectivePrimitives {
 public:
  virtual std::string_view name() const noexcept = 0;  // "mpi" or "nccl"
  // Why this transport cannot run `type` / `op`, or nothing when it can.
  virtual std::optional<std::string> unsupported(ElementType type, std::optional<ReduceOp> op) const = 0;
  // Whether the collective's in-place form (descriptor.in_place) exists here.
  virtual bool supports_in_place(Collective c) const = 0;
  // Throws if the library has reported an asynchronous failure (a dead
  // peer, a network error); polled while waiting on the device.
  virtual void check_async_errors() const {}

  // The sweep's buffers, of up to `max_bytes` each; once, before any load.
  virtual void reserve(std::size_t max_bytes) = 0;
  // Writes this rank's input (shape.send_count values) where the call reads
  // it, and a sentinel everywhere the call should write (collectives/collective.hpp).
  virtual void load(const CollectiveCall& call, std::span<const double> input) = 0;
  // `warmup` untimed calls on the sweep's buffers, then one timed call per
  // element of `spans` (start and end on this rank's steady clock, ns). No
  // barrier between calls.
  virtual void run(const CollectiveCall& call, int warmup, std::span<OpSpan> spans) = 0;
  // This rank's result (shape.recv_count values) as values.
  virtual std::vector<double> result(const CollectiveCall& call) = 0;

  // Nonblocking in-place allreduce (the training step's overlapped gradient
  // buckets): start() issues it under `slot` and returns; progress() lets
  // every started call advance (a library that progresses only inside its
  // own calls needs it) and says whether any is still in flight; wait()
  // completes the slot's call. A transport without them throws.
  virtual void start_allreduce(int /*slot*/, void* /*buffer*/, std::int64_t /*count*/, ElementType /*t*/,
                               ReduceOp /*op*/) {
    throw std::logic_error(std::string("nonblocking allreduce is not supported by the ") + std::string(name()) +
                           " transport");
  }
  virtual bool progress() { return false; }
  virtual void wait(int /*slot*/) {
    throw std::logic_error(std::string("nonblocking allreduce is not supported by the ") + std::string(name()) +
                           " transport");
  }
};

// Creates the transport of one communicator (a run's group, a sweep tier's group).
using TransportFactory = std::function<std::unique_ptr<Transport>(MPI_Comm)>;

}  // namespace flopwall
