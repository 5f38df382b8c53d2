#include <algorithm>

#include "collectives/collective.hpp"

namespace flopwall {
namespace {
constexpr double k_sentinel = 117;  // never produced by the check values (0..99, small reductions)
}

CallLayout call_layout(const CollectiveCall& call, int rank) {
  const auto& d = descriptor(call.collective);
  const auto& s = call.shape;
  const std::int64_t e = element_type_size(call.type);
  return {.element_bytes = e,
          .input_offset_bytes = call.in_place ? d.in_place_offset(s, rank) * e : 0,
          .result_offset_bytes = call.in_place ? d.in_place_result_offset(s, rank) * e : 0,
          .input_bytes = s.send_count * e,
          .result_bytes = s.recv_count * e};
}

std::vector<std::byte> sentinel_image(const CollectiveCall& call) {
  const std::int64_t n = std::max(call.shape.recv_count, call.shape.send_count);
  std::vector<std::byte> image(static_cast<std::size_t>(n * element_type_size(call.type)));
  encode(call.type, std::vector<double>(static_cast<std::size_t>(n), k_sentinel), image.data());
  return image;
}

}  // namespace flopwall
