#include <fmt/format.h>

#include "collectives/collective.hpp"
#include "collectives/collective_primitives.hpp"
#include "core/checked_math.hpp"
#include "core/error.hpp"

namespace flopwall {
namespace descriptors {
extern const CollectiveDescriptor k_allreduce, k_allgather, k_reducescatter, k_alltoall, k_broadcast, k_reduce,
    k_sendrecv;
}

const CollectiveDescriptor& descriptor(Collective c) {
  switch (c) {
    case Collective::allreduce: return descriptors::k_allreduce;
    case Collective::allgather: return descriptors::k_allgather;
    case Collective::reducescatter: return descriptors::k_reducescatter;
    case Collective::alltoall: return descriptors::k_alltoall;
    case Collective::broadcast: return descriptors::k_broadcast;
    case Collective::reduce: return descriptors::k_reduce;
    case Collective::sendrecv: return descriptors::k_sendrecv;
  }
  return descriptors::k_allreduce;
}

const std::vector<Collective>& all_collectives() {
  static const std::vector<Collective> all{Collective::allreduce, Collective::allgather, Collective::reducescatter,
                                           Collective::alltoall,  Collective::broadcast, Collective::reduce,
                                           Collective::sendrecv};
  return all;
}

std::uint64_t bus_bytes(const CollectiveDescriptor& d, std::uint64_t payload_bytes, int n) {
  const BusFactor f = d.bus_factor(n);
  return mul_or_throw(payload_bytes, static_cast<std::uint64_t>(f.num), "a collective's bytes on the bus") /
         static_cast<std::uint64_t>(f.den);
}

CollectiveCall make_call(Collective c, std::int64_t count, int n, ElementType t, ReduceOp op, int root, bool in_place) {
  return {.collective = c, .shape = descriptor(c).shape(count, n), .type = t, .op = op, .root = root,
          .in_place = in_place};
}

void issue(CollectivePrimitives& t, const CollectiveCall& call, const void* send, void* recv) {
  descriptor(call.collective).issue(t, call, send, recv);
}

Collective parse_collective(std::string_view name) {
  for (Collective c : all_collectives())
    if (descriptor(c).name == name) return c;
  throw UsageError(fmt::format("--collective '{}' is not valid; valid: allreduce, allgather, reducescatter, alltoall, "
                               "broadcast, reduce, sendrecv, all",
                               name));
}

}  // namespace flopwall
