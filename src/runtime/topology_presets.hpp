#pragma once
// --topology NAME: a named set of environment variables that makes the
// communication library take one path (NCCL: one algorithm or transport;
// MPI: one byte-transfer layer), so that two runs differ in that path alone.
// The variables are set in each rank's own process before MPI_Init and
// before any NCCL communicator exists: both libraries read them there.
// docs/topologies.md explains each preset and what it isolates.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/key_values.hpp"

namespace flopwall {

struct TopologyPreset {
  std::string_view name;
  std::string_view backend;  // "cuda" (NCCL), "cpu" (MPI) or "" (either)
  std::string_view isolates;  // one line for --help and the docs
  std::vector<std::pair<std::string_view, std::string_view>> variables;
};

const std::vector<TopologyPreset>& topology_presets();
const TopologyPreset* find_topology_preset(std::string_view name);
// "default, nvls, ring, ..." for messages.
std::string topology_preset_names();

// The --topology value among a command line's words (`--topology X` or
// `--topology=X`, the first), before any option parser has run.
std::optional<std::string> topology_in_args(int argc, char** argv);

// Sets the preset's variables in this process (call before MPI_Init) and
// remembers it for the trace. A variable already set to another value is
// not overwritten: the returned line says which, and the job refuses it
// (exit 2) once MPI is up, as it does an unknown name.
std::optional<std::string> apply_topology(const std::string& name);

// /meta keys of the preset applied in this process: topology_preset and
// topology_variables ("NCCL_ALGO=Ring,..."); none without --topology.
KeyValues applied_topology_meta();

// Whether the parsed --topology `preset` is the one this process applied
// (a preset only in a --config file was read after MPI_Init: too late to
// apply) and suits `backend` ("cpu" or "cuda"); otherwise the line to refuse it with.
std::optional<std::string> topology_problem(const std::string& preset, const std::string& backend);

}  // namespace flopwall
