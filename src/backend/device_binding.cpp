#include "backend/device_binding.hpp"

#include <stdexcept>
#include <unordered_map>

namespace flopwall {

int device_for_local_rank(int local_rank, int visible_devices) {
  if (visible_devices < 1 || local_rank < 0) throw std::invalid_argument("device_for_local_rank: no device to choose");
  return visible_devices == 1 ? 0 : local_rank % visible_devices;
}

std::optional<std::pair<int, int>> first_shared_device(std::span<const std::string> identities) {
  std::unordered_map<std::string, int> first_rank;
  for (int r = 0; r < static_cast<int>(identities.size()); ++r) {
    const auto [at, inserted] = first_rank.emplace(identities[static_cast<std::size_t>(r)], r);
    if (!inserted) return std::pair{at->second, r};
  }
  return std::nullopt;
}

}  // namespace flopwall
