#include "collectives/descriptors/common.hpp"

namespace flopwall::descriptors {
namespace {
void input(std::span<double> out, const CollectiveShape&, int rank, int, ReduceOp op, int) { fill_reduce(out, rank, op); }
void expected(std::span<double> out, const CollectiveShape&, int, int n, ReduceOp op, int, ElementType t) {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = reduced_value(n, static_cast<std::int64_t>(i), op, t);
}
void issue(CollectivePrimitives& t, const CollectiveCall& c, const void* send, void* recv) {
  t.allreduce(input_of(c, send, recv, 0), recv, c.shape.param_count, c.type, c.op, c.in_place);
}
}  // namespace

extern const CollectiveDescriptor k_allreduce{Collective::allreduce, "allreduce", true, false, true, factor_allreduce,
                                              whole, offset_zero, offset_zero, input, expected, issue};
}  // namespace flopwall::descriptors
