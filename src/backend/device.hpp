#pragma once
// A compute device: owns the plan's buffers and executes its compute and
// memory ops (DeviceOp). Comm ops go to the runtime's Communicator, which
// reads and writes the same buffers.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "platform/op_timer.hpp"
#include "model/plan.hpp"

namespace flopwall {

class Device {
 public:
  virtual ~Device() = default;
  // One line: what this rank computes on (model, cores/SMs, memory, threads).
  virtual std::string description() const = 0;
  // Allocates and fills every buffer of the plan; called once before timing.
  virtual void prepare(const Plan& plan) = 0;
  // Enqueues (GPU) or runs (CPU) op `op_index` of the prepared plan.
  virtual void execute(std::size_t op_index, const DeviceOp& op) = 0;
  virtual void* buffer(BufferId id) = 0;
  // A copy of a buffer in double precision, for checks outside the timed loop.
  virtual std::vector<double> read_buffer(BufferId id) = 0;
  virtual OpTimer& timer() = 0;
  // A check that throws when a transport sharing this device has failed
  // (NCCL's asynchronous errors); a device that waits on its queue calls it
  // while waiting, so a dead peer ends the wait. Host devices never wait.
  virtual void watch_transport_errors(std::function<void()> check) { static_cast<void>(check); }
};

}  // namespace flopwall
