#pragma once
// A compute device: owns the plan's buffers and executes its compute and
// memory ops. Comm ops go to a Communicator, which reads the same buffers.
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
  virtual void execute(const Op& op) = 0;
  virtual void* buffer(BufferId id) = 0;
  // A copy of a buffer in double precision, for checks outside the timed loop.
  virtual std::vector<double> read_buffer(BufferId id) = 0;
  virtual OpTimer& timer() = 0;
};

}  // namespace flopwall
