#include "collectives/descriptors/common.hpp"

namespace flopwall::descriptors {
namespace {
// Ring neighbour exchange: send to rank+1, receive from rank−1.
void input(std::span<double> out, const CollectiveShape&, int rank, int, ReduceOp, int) { fill_data(out, rank); }
void expected(std::span<double> out, const CollectiveShape&, int rank, int n, ReduceOp, int, ElementType t) {
  fill_data(out, (rank - 1 + n) % n);
  for (double& v : out) v = stored_value(t, v);
}
void issue(CollectivePrimitives& t, const CollectiveCall& c, const void* send, void* recv) {
  const int n = t.size(), rank = t.rank();
  t.sendrecv(send, c.shape.param_count, (rank + 1) % n, recv, c.shape.param_count, (rank - 1 + n) % n, c.type);
}
}  // namespace

extern const CollectiveDescriptor k_sendrecv{Collective::sendrecv, "sendrecv", false, false, false, factor_one, whole,
                                             offset_zero, offset_zero, input, expected, issue};
}  // namespace flopwall::descriptors
