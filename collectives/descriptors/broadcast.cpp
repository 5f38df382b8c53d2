#include "collectives/descriptors/common.hpp"

namespace flopwall::descriptors {
namespace {
void input(std::span<double> out, const CollectiveShape&, int rank, int, ReduceOp, int) { fill_data(out, rank); }
void expected(std::span<double> out, const CollectiveShape&, int, int, ReduceOp, int root, ElementType t) {
  fill_data(out, root);
  for (double& v : out) v = stored_value(t, v);
}
void issue(CollectivePrimitives& t, const CollectiveCall& c, const void* send, void* recv) {
  t.broadcast(input_of(c, send, recv, 0), recv, c.shape.param_count, c.type, c.root, c.in_place);
}
}  // namespace

extern const CollectiveDescriptor k_broadcast{Collective::broadcast, "broadcast", false, true, true, factor_one, whole,
                                              offset_zero, offset_zero, input, expected, issue};
}  // namespace flopwall::descriptors
