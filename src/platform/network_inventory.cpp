// read_network_links and read_infiniband_ports (node_inventory.hpp): sysfs
// class/net and class/infiniband.
#include <algorithm>
#include <filesystem>
#include <regex>
#include <string>

#include "platform/node_inventory.hpp"
#include "platform/sysfs_text.hpp"

namespace flopwall {
namespace {

namespace fs = std::filesystem;

bool is_pci_address(const std::string& name) {
  static const std::regex pci(R"([0-9a-fA-F]{4,}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])");
  return std::regex_match(name, pci);
}

// The entries of a sysfs class directory (symlinks to directories there,
// plain directories in a fake tree), sorted; none where it is absent.
std::vector<fs::path> class_entries(const fs::path& dir) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
  std::sort(entries.begin(), entries.end());
  return entries;
}

// The PCI function a `device` link leads to: the link's target itself, or
// its nearest PCI ancestor when the target is a bus device below it (a
// virtio-net NIC is ".../0000:00:03.0/virtio2"). Empty where there is none.
fs::path pci_device_dir(const fs::path& device_link) {
  std::error_code ec;
  fs::path dir = fs::canonical(device_link, ec);
  if (ec) return {};
  for (; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    if (is_pci_address(dir.filename().string())) return dir;
  }
  return {};
}

// sysfs numa_node: -1 is the kernel's own "no NUMA information".
int numa_node_of(const fs::path& dir) {
  const auto node = read_sysfs_int((dir / "numa_node").string());
  return node && *node >= 0 ? static_cast<int>(*node) : -1;
}

std::string link_kind(std::optional<std::int64_t> type) {
  // include/uapi/linux/if_arp.h: ARPHRD_ETHER 1, ARPHRD_INFINIBAND 32, ARPHRD_LOOPBACK 772.
  if (!type) return "other";
  switch (*type) {
    case 1: return "ethernet";
    case 32: return "infiniband";
    case 772: return "loopback";
    default: return "other";
  }
}

// "4: ACTIVE" → "ACTIVE"; a value without the numeric prefix stays whole.
std::string without_code(const std::string& value) {
  const auto colon = value.find(':');
  return colon == std::string::npos ? value : std::string(trim_blanks(std::string_view(value).substr(colon + 1)));
}

}  // namespace

std::vector<NetworkLink> read_network_links(const InventoryRoots& roots) {
  std::vector<NetworkLink> links;
  for (const fs::path& entry : class_entries(fs::path(roots.sys) / "class/net")) {
    NetworkLink link;
    link.name = entry.filename().string();
    link.kind = link_kind(read_sysfs_int((entry / "type").string()));
    // Virtual NICs fail the read (EINVAL) or write -1; a link that is down
    // writes -1 too. Both stay -1: the driver does not tell.
    const auto speed = read_sysfs_int((entry / "speed").string());
    link.speed_mbps = speed && *speed > 0 ? *speed : -1;
    link.state = read_sysfs_line((entry / "operstate").string()).value_or("");
    const fs::path pci = pci_device_dir(entry / "device");
    if (!pci.empty()) link.pci_bus_id = pci.filename().string();
    link.numa_node = numa_node_of(entry / "device");
    if (link.numa_node < 0 && !pci.empty()) link.numa_node = numa_node_of(pci);
    links.push_back(std::move(link));
  }
  std::sort(links.begin(), links.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return links;
}

std::vector<InfinibandPort> read_infiniband_ports(const InventoryRoots& roots) {
  std::vector<InfinibandPort> ports;
  for (const fs::path& device : class_entries(fs::path(roots.sys) / "class/infiniband")) {
    const int numa = numa_node_of(device / "device");
    for (const fs::path& port_dir : class_entries(device / "ports")) {
      InfinibandPort port;
      port.device = device.filename().string();
      const auto number = leading_number(port_dir.filename().string());
      if (!number) continue;  // not a port number
      port.port = static_cast<int>(*number);
      port.rate = read_sysfs_line((port_dir / "rate").string()).value_or("");
      port.rate_gbps = leading_number(port.rate).value_or(0.0);
      port.state = without_code(read_sysfs_line((port_dir / "state").string()).value_or(""));
      port.physical_state = without_code(read_sysfs_line((port_dir / "phys_state").string()).value_or(""));
      port.link_layer = read_sysfs_line((port_dir / "link_layer").string()).value_or("");
      port.numa_node = numa;
      ports.push_back(std::move(port));
    }
  }
  std::sort(ports.begin(), ports.end(), [](const auto& a, const auto& b) {
    return a.device != b.device ? a.device < b.device : a.port < b.port;
  });
  return ports;
}

}  // namespace flopwall
