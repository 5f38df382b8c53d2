#pragma once
// The collectives a plan's comm ops need, on the plan's groups. One
// implementation per transport: mpi/ (CPU buffers) and, later, nccl/.
#include <cstdint>
#include <string_view>

#include "core/dtype.hpp"
#include "model/op.hpp"

namespace flopwall {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual std::string_view name() const noexcept = 0;
  virtual int size(CommGroup group) const = 0;
  virtual int rank(CommGroup group) const = 0;
  // In-place sum of `count` elements over `group`; returns when complete.
  virtual void allreduce_sum(void* buffer, std::int64_t count, DType dtype, CommGroup group) = 0;
  virtual void barrier(CommGroup group) = 0;
};

}  // namespace flopwall
