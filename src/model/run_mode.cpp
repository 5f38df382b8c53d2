#include "model/run_mode.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace flopwall {

std::string_view run_mode_name(RunMode m) noexcept { return m == RunMode::train ? "train" : "prefill"; }

RunMode parse_run_mode(std::string_view text) {
  if (text == "prefill") return RunMode::prefill;
  if (text == "train") return RunMode::train;
  throw UsageError(fmt::format("--mode '{}' is not valid; valid: prefill, train", text));
}

}  // namespace flopwall
