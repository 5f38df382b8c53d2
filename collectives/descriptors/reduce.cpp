#include "collectives/descriptors/common.hpp"

namespace flopwall::descriptors {
namespace {
void input(std::span<double> out, const CollectiveShape&, int rank, int, ReduceOp op, int) { fill_reduce(out, rank, op); }
// Only the root's receive buffer is defined.
void expected(std::span<double> out, const CollectiveShape&, int rank, int n, ReduceOp op, int root, ElementType t) {
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = rank == root ? reduced_value(n, static_cast<std::int64_t>(i), op, t) : k_unchecked;
}
void issue(CollectivePrimitives& t, const CollectiveCall& c, const void* send, void* recv) {
  t.reduce(input_of(c, send, recv, 0), recv, c.shape.param_count, c.type, c.op, c.root, c.in_place);
}
}  // namespace

extern const CollectiveDescriptor k_reduce{Collective::reduce, "reduce", true, true, true, factor_one, whole, offset_zero,
                                           offset_zero, input, expected, issue};
}  // namespace flopwall::descriptors
