#include "collectives/descriptors/common.hpp"

namespace flopwall::descriptors {
namespace {
void input(std::span<double> out, const CollectiveShape&, int rank, int, ReduceOp, int) { fill_data(out, rank); }
// Chunk r of the result is rank r's input.
void expected(std::span<double> out, const CollectiveShape& s, int, int n, ReduceOp, int, ElementType t) {
  for (int r = 0; r < n; ++r) fill_data(out.subspan(static_cast<std::size_t>(r * s.param_count), static_cast<std::size_t>(s.param_count)), r);
  for (double& v : out) v = stored_value(t, v);
}
std::int64_t offset(const CollectiveShape& s, int rank) { return rank * s.param_count; }
void issue(CollectivePrimitives& t, const CollectiveCall& c, const void* send, void* recv) {
  t.allgather(input_of(c, send, recv, offset(c.shape, t.rank())), recv, c.shape.param_count, c.type, c.in_place);
}
}  // namespace

extern const CollectiveDescriptor k_allgather{Collective::allgather, "allgather", false, false, true, factor_ring,
                                              gathered, offset, offset_zero, input, expected, issue};
}  // namespace flopwall::descriptors
