#include <fmt/format.h>

#include "collectives/collective.hpp"
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

Collective parse_collective(std::string_view name) {
  for (Collective c : all_collectives())
    if (descriptor(c).name == name) return c;
  throw UsageError(fmt::format("--collective '{}' is not valid; valid: allreduce, allgather, reducescatter, alltoall, "
                               "broadcast, reduce, sendrecv, all",
                               name));
}

}  // namespace flopwall
