#pragma once
// What one timed iteration of `flopwall run` is: the one list of workload
// modes (--mode), read by the options, the plan builder and the report.
#include <cstdint>
#include <string>
#include <string_view>

namespace flopwall {

enum class RunMode : std::uint8_t {
  prefill,  // the forward pass of --batch sequences of --seq tokens (model/plan.hpp)
  serve,    // one wave of requests: prefill against a prefix cache, then decode steps (model/serve_plan.hpp)
  train,    // the training step: forward, backward, data-parallel gradient allreduce (model/training_plan.hpp)
};

std::string_view run_mode_name(RunMode m) noexcept;
// Throws UsageError naming the valid modes.
RunMode parse_run_mode(std::string_view text);
std::string run_mode_names();  // "prefill, serve, train"

}  // namespace flopwall
