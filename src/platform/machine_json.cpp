#include "platform/machine_json.hpp"

#include <algorithm>

namespace flopwall {

// Missing keys read as the struct's defaults (see the header).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CacheLevel, level, kind, size_bytes, instances)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NumaNode, os_index, memory_bytes, cpus)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PciDevice, bus_id, kind, vendor, name, numa_node)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NetworkLink, name, kind, speed_mbps, state, pci_bus_id, numa_node)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InfinibandPort, device, port, rate, rate_gbps, state, physical_state,
                                                link_layer, numa_node)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CpuFrequency, nominal_mhz, nominal_source, max_mhz, current_mhz,
                                                governor, driver)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CpuInventory, model, vendor, architecture, packages, cores,
                                                hardware_threads, isa, caches, frequency)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NvLink, link, active, peer_bus_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuInventory, index, name, uuid, pci_bus_id, cc_major, cc_minor,
                                                sm_count, sm_clock_mhz, sm_clock_max_mhz, mem_clock_mhz,
                                                mem_clock_max_mhz, memory_bytes, memory_bus_width_bits, ecc_enabled,
                                                persistence_mode, mig_mode, pcie_gen, pcie_gen_max, pcie_width,
                                                pcie_width_max, numa_node, throttle_reasons, nvlinks)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MpiTransports, pml, btl, mtl)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BlasKernel, library, config, chosen, chosen_isa, best, best_isa,
                                                selector, fallback)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NodeInventory, hostname, cpu, memory_bytes, numa, pci, links,
                                                ib_ports, gpus, gpu_topology, mpi, blas)

nlohmann::json inventory_to_json(const NodeInventory& node) { return node; }

NodeInventory inventory_from_json(const nlohmann::json& j) { return j.get<NodeInventory>(); }

namespace {

std::uint64_t round_to_gib(std::uint64_t bytes) {
  constexpr std::uint64_t gib = std::uint64_t{1} << 30;
  return (bytes + gib / 2) / gib * gib;
}

}  // namespace

nlohmann::json hardware_identity(const NodeInventory& node) {
  NodeInventory n = node;
  n.hostname.clear();
  n.memory_bytes = round_to_gib(n.memory_bytes);
  for (NumaNode& numa : n.numa) numa.memory_bytes = round_to_gib(numa.memory_bytes);
  n.cpu.frequency.current_mhz = 0.0;
  for (NetworkLink& link : n.links) link.state.clear();  // a cable, not the hardware
  for (GpuInventory& gpu : n.gpus) {
    gpu.uuid.clear();
    gpu.sm_clock_mhz = gpu.mem_clock_mhz = -1;
    gpu.throttle_reasons.clear();
    gpu.pcie_gen = -1;  // idle GPUs lower their link generation to save power
  }
  return n;
}

std::vector<NodeClass> group_node_classes(const std::vector<NodeInventory>& nodes) {
  std::vector<NodeClass> classes;
  std::vector<nlohmann::json> identities;
  for (const NodeInventory& node : nodes) {
    nlohmann::json id = hardware_identity(node);
    const auto same = std::find(identities.begin(), identities.end(), id);
    if (same == identities.end()) {
      identities.push_back(std::move(id));
      classes.push_back({.count = 1, .hosts = {node.hostname}, .inventory = node});
    } else {
      NodeClass& c = classes[static_cast<std::size_t>(same - identities.begin())];
      ++c.count;
      c.hosts.push_back(node.hostname);
    }
  }
  return classes;
}

nlohmann::json machine_to_json(const std::vector<NodeClass>& classes) {
  nlohmann::json out = {{"node_classes", nlohmann::json::array()}};
  for (const NodeClass& c : classes)
    out["node_classes"].push_back({{"count", c.count}, {"hosts", c.hosts}, {"inventory", inventory_to_json(c.inventory)}});
  return out;
}

std::vector<NodeClass> machine_from_json(const nlohmann::json& j) {
  std::vector<NodeClass> classes;
  for (const nlohmann::json& c : j.at("node_classes"))
    classes.push_back({.count = c.at("count").get<int>(),
                       .hosts = c.at("hosts").get<std::vector<std::string>>(),
                       .inventory = inventory_from_json(c.at("inventory"))});
  return classes;
}

}  // namespace flopwall
