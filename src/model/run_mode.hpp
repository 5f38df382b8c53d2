#pragma once
// What one iteration of `flopwall run` is: the forward pass (prefill) or the
// training step (forward + backward, model/training_plan.hpp).
#include <cstdint>
#include <string_view>

namespace flopwall {

enum class RunMode : std::uint8_t { prefill, train };

std::string_view run_mode_name(RunMode m) noexcept;
// Throws UsageError with one line naming the value and the valid ones.
RunMode parse_run_mode(std::string_view text);

}  // namespace flopwall
