#include "collectives/descriptors/common.hpp"

namespace flopwall::descriptors {
namespace {
void input(std::span<double> out, const CollectiveShape&, int rank, int, ReduceOp op, int) { fill_reduce(out, rank, op); }
// Rank r receives the reduction of chunk r.
void expected(std::span<double> out, const CollectiveShape& s, int rank, int n, ReduceOp op, int, ElementType t) {
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = reduced_value(n, rank * s.param_count + static_cast<std::int64_t>(i), op, t);
}
// In place (NCCL's layout): the full input fills the buffer and rank r's
// result lands on its own chunk.
std::int64_t result_offset(const CollectiveShape& s, int rank) { return rank * s.param_count; }
void issue(CollectivePrimitives& t, const CollectiveCall& c, const void* send, void* recv) {
  // In place, rank r's result lands on its own chunk of the buffer.
  void* out = c.in_place ? static_cast<std::byte*>(recv) + result_offset(c.shape, t.rank()) * element_type_size(c.type)
                         : recv;
  t.reducescatter(input_of(c, send, recv, 0), out, c.shape.param_count, c.type, c.op, c.in_place);
}
}  // namespace

extern const CollectiveDescriptor k_reducescatter{Collective::reducescatter, "reducescatter", true, false, true,
                                                  factor_ring, scattered, offset_zero, result_offset, input, expected, issue};
}  // namespace flopwall::descriptors
