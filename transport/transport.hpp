#pragma once
// Runs one collective repeatedly on one communicator and times every
// iteration: the transport half of `flopwall collectives`. One engine per
// transport: mpi/ (host buffers) and nccl/ (device buffers, CUDA events).
#include <mpi.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "platform/op_timer.hpp"
#include "collectives/collective.hpp"

namespace flopwall {

class CollectiveEngine {
 public:
  virtual ~CollectiveEngine() = default;
  virtual std::string_view transport() const noexcept = 0;  // "mpi" or "nccl"
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Why this transport cannot run `type` / `op`, or nothing when it can.
  virtual std::optional<std::string> unsupported(ElementType type, std::optional<ReduceOp> op) const = 0;
  virtual bool supports_in_place(Collective c) const = 0;
  // Buffers for calls of up to `max_bytes` per buffer; once, before any call.
  virtual void reserve(std::size_t max_bytes) = 0;
  // Writes this rank's input (shape.send_count values) where the call reads
  // it, and a sentinel everywhere the call should write.
  virtual void load(const CollectiveCall& call, std::span<const double> input) = 0;
  // `warmup` untimed calls, then one timed call per element of `spans`
  // (start and end on this rank's steady clock, ns). No barrier between calls.
  virtual void run(const CollectiveCall& call, int warmup, std::span<OpSpan> spans) = 0;
  // This rank's result (shape.recv_count values) as values.
  virtual std::vector<double> result(const CollectiveCall& call) = 0;
};

// Creates the engine for one communicator (a sweep tier's group).
using EngineFactory = std::function<std::unique_ptr<CollectiveEngine>(MPI_Comm)>;

}  // namespace flopwall
