#include "collectives/descriptors/common.hpp"

namespace flopwall::descriptors {
namespace {
// Chunk j of rank r's send buffer goes to rank j.
void input(std::span<double> out, const CollectiveShape&, int rank, int, ReduceOp, int) { fill_data(out, rank); }
// Chunk s of the result is chunk `rank` of rank s's send buffer.
void expected(std::span<double> out, const CollectiveShape& s, int rank, int n, ReduceOp, int, ElementType t) {
  for (int src = 0; src < n; ++src)
    fill_data(out.subspan(static_cast<std::size_t>(src * s.param_count), static_cast<std::size_t>(s.param_count)), src,
              rank * s.param_count);
  for (double& v : out) v = stored_value(t, v);
}
void issue(CollectivePrimitives& t, const CollectiveCall& c, const void* send, void* recv) {
  t.alltoall(send, recv, c.shape.param_count, c.type);
}
}  // namespace

extern const CollectiveDescriptor k_alltoall{Collective::alltoall, "alltoall", false, false, false, factor_ring,
                                             exchanged, offset_zero, offset_zero, input, expected, issue};
}  // namespace flopwall::descriptors
