#include "runtime/topology_presets.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

namespace flopwall {
namespace {

// The preset this process applied ("" for none), for the trace's /meta.
std::string g_applied;

}  // namespace

const std::vector<TopologyPreset>& topology_presets() {
  // NCCL presets touch only NCCL_* variables, MPI presets only OMPI_MCA_*.
  static const std::vector<TopologyPreset> presets{
      {"default", "", "the library's own choices: nothing is set (recorded, so a comparison names it)", {}},
      {"nvls", "cuda", "NVLink SHARP (NVSwitch in-network reductions): NCCL's NVLS algorithms only",
       {{"NCCL_NVLS_ENABLE", "1"}, {"NCCL_ALGO", "NVLS,NVLSTree"}}},
      {"ring", "cuda", "NCCL's ring algorithm for every collective", {{"NCCL_ALGO", "Ring"}}},
      {"tree", "cuda", "NCCL's tree algorithm (allreduce; other collectives have none)", {{"NCCL_ALGO", "Tree"}}},
      {"no-p2p", "cuda", "no GPU peer-to-peer: GPUs of a node exchange through host memory over PCIe",
       {{"NCCL_P2P_DISABLE", "1"}}},
      {"no-shm", "cuda", "no shared-memory transport: without P2P, GPUs of a node go through the network",
       {{"NCCL_SHM_DISABLE", "1"}}},
      {"net-only", "cuda", "the network transport even inside a node (no P2P, no shared memory)",
       {{"NCCL_P2P_DISABLE", "1"}, {"NCCL_SHM_DISABLE", "1"}}},
      {"socket", "cuda", "TCP sockets between nodes instead of InfiniBand/RoCE verbs",
       {{"NCCL_NET", "Socket"}, {"NCCL_IB_DISABLE", "1"}}},
      {"shm", "cpu", "MPI over shared memory only (one node): Open MPI's ob1 with btl self,vader",
       {{"OMPI_MCA_pml", "ob1"}, {"OMPI_MCA_btl", "self,vader"}}},
      {"tcp", "cpu", "MPI over TCP only, inside a node too: Open MPI's ob1 with btl self,tcp",
       {{"OMPI_MCA_pml", "ob1"}, {"OMPI_MCA_btl", "self,tcp"}}},
  };
  return presets;
}

const TopologyPreset* find_topology_preset(std::string_view name) {
  for (const TopologyPreset& p : topology_presets())
    if (p.name == name) return &p;
  return nullptr;
}

std::string topology_preset_names() {
  std::string out;
  for (const TopologyPreset& p : topology_presets()) out += (out.empty() ? "" : ", ") + std::string(p.name);
  return out;
}

std::optional<std::string> topology_in_args(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--topology") return i + 1 < argc ? std::optional<std::string>(argv[i + 1]) : std::nullopt;
    if (word.starts_with("--topology=")) return std::string(word.substr(std::strlen("--topology=")));
  }
  return std::nullopt;
}

std::optional<std::string> apply_topology(const std::string& name) {
  const TopologyPreset* preset = find_topology_preset(name);
  if (!preset) return fmt::format("--topology '{}' is not valid; valid: {}", name, topology_preset_names());
  for (const auto& [variable, value] : preset->variables) {
    const char* set = std::getenv(std::string(variable).c_str());
    if (set && value != set)
      return fmt::format("--topology {} sets {}={}, but the environment has {}={}; unset it or drop --topology", name,
                         variable, value, variable, set);
  }
  for (const auto& [variable, value] : preset->variables)
    setenv(std::string(variable).c_str(), std::string(value).c_str(), 1);
  g_applied = name;
  return std::nullopt;
}

KeyValues applied_topology_meta() {
  const TopologyPreset* preset = g_applied.empty() ? nullptr : find_topology_preset(g_applied);
  if (!preset) return {};
  std::string variables;
  for (const auto& [variable, value] : preset->variables)
    variables += fmt::format("{}{}={}", variables.empty() ? "" : ",", variable, value);
  return {{"topology_preset", g_applied}, {"topology_variables", variables}};
}

std::optional<std::string> topology_problem(const std::string& name, const std::string& backend) {
  if (name != g_applied)
    return fmt::format("--topology {} was not applied: give it on the command line, where it is read before "
                       "MPI_Init (not in a --config file)", name);
  const TopologyPreset* preset = find_topology_preset(name);
  if (preset->backend.empty() || preset->backend == backend) return std::nullopt;
  std::string valid;
  for (const TopologyPreset& p : topology_presets())
    if (p.backend.empty() || p.backend == backend) valid += (valid.empty() ? "" : ", ") + std::string(p.name);
  return fmt::format("--topology {} is {} preset, for the {} backend; the {} backend's presets are: {}", name,
                     preset->backend == "cuda" ? "an NCCL" : "an MPI", preset->backend, backend, valid);
}

}  // namespace flopwall
