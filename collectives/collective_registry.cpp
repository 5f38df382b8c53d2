#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>

#include "collectives/collective.hpp"
#include "collectives/collective_primitives.hpp"
#include "core/checked_math.hpp"
#include "core/error.hpp"

namespace flopwall {
namespace descriptors {
extern const CollectiveDescriptor k_allreduce, k_allgather, k_reducescatter, k_alltoall, k_broadcast, k_reduce,
    k_sendrecv;
}

namespace {

// The registration: one entry per collective, in the order of enum Collective.
const std::array k_registered{
    &descriptors::k_allreduce, &descriptors::k_allgather, &descriptors::k_reducescatter, &descriptors::k_alltoall,
    &descriptors::k_broadcast, &descriptors::k_reduce,    &descriptors::k_sendrecv,
};

}  // namespace

const CollectiveDescriptor& descriptor(Collective c) { return *k_registered.at(static_cast<std::size_t>(c)); }

const std::vector<Collective>& all_collectives() {
  static const std::vector<Collective> all = [] {
    std::vector<Collective> out;
    for (const CollectiveDescriptor* d : k_registered) out.push_back(d->kind);
    return out;
  }();
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
  std::vector<std::string_view> names;
  for (const CollectiveDescriptor* d : k_registered) names.push_back(d->name);
  throw UsageError(fmt::format("--collective '{}' is not valid; valid: {}, all", name, fmt::join(names, ", ")));
}

}  // namespace flopwall
