#include "model/run_mode.hpp"

#include <fmt/format.h>

#include <array>

#include "core/error.hpp"

namespace flopwall {
namespace {

constexpr std::array k_modes{RunMode::prefill, RunMode::serve, RunMode::train};

}  // namespace

std::string_view run_mode_name(RunMode m) noexcept {
  switch (m) {
    case RunMode::prefill: return "prefill";
    case RunMode::serve: return "serve";
    case RunMode::train: return "train";
  }
  return "?";
}

std::string run_mode_names() {
  std::string out;
  for (RunMode m : k_modes) out += fmt::format("{}{}", out.empty() ? "" : ", ", run_mode_name(m));
  return out;
}

RunMode parse_run_mode(std::string_view text) {
  for (RunMode m : k_modes)
    if (run_mode_name(m) == text) return m;
  throw UsageError(fmt::format("--mode '{}' is not valid; valid: {}", text, run_mode_names()));
}

}  // namespace flopwall
