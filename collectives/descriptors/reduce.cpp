#include "collectives/descriptors/common.hpp"

namespace flopwall::descriptors {
namespace {
void input(std::span<double> out, const CollectiveShape&, int rank, int, ReduceOp op, int) { fill_reduce(out, rank, op); }
// Only the root's receive buffer is defined.
void expected(std::span<double> out, const CollectiveShape&, int rank, int n, ReduceOp op, int root, ElementType t) {
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = rank == root ? reduced_value(n, static_cast<std::int64_t>(i), op, t) : k_unchecked;
}
}  // namespace

extern const CollectiveDescriptor k_reduce{Collective::reduce, "reduce", true, true, true, factor_one, whole, offset_zero,
                                           offset_zero, input, expected};
}  // namespace flopwall::descriptors
