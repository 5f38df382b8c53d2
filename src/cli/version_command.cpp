#include <fmt/format.h>

#include "runtime/backends.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "runtime/run_metadata.hpp"

namespace flopwall {

int version_command() {
  fmt::print("flopwall {} (git {})\n", build_info::k_version, build_info::k_git_revision);
  fmt::print("  backends       {}\n", compiled_backends());
  for (const auto& [name, version] : library_versions())
    if (name != "tool_version" && name != "git_revision") fmt::print("  {:<14} {}\n", name, version);
  return k_exit_ok;
}

}  // namespace flopwall
