#pragma once
// Which accelerator a rank drives, decided from facts alone (no device API),
// so the rule is the same for every backend and testable without a GPU.
#include <optional>
#include <span>
#include <string>
#include <utility>

namespace flopwall {

// Local rank r drives device 0 when it sees exactly one (the scheduler gave
// each rank its own, e.g. SLURM's --gpus-per-task=1), else device r mod count.
int device_for_local_rank(int local_rank, int visible_devices);

// `identities[r]` is the device local rank r bound (its UUID). The first two
// local ranks that bound the same device, lowest first; nullopt when none do.
std::optional<std::pair<int, int>> first_shared_device(std::span<const std::string> identities);

}  // namespace flopwall
