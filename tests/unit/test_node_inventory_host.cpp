// read_node_inventory on this machine, each figure against a source the
// inventory does not read: sysconf, lscpu, sysfs read here by hand, readdir.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "platform/node_inventory.hpp"

namespace flopwall {
namespace {

std::string command_output(const std::string& command) {
  std::string text;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) text.append(buffer, n);
    pclose(pipe);
  }
  return text;
}

std::string trimmed(std::string text) {
  text.erase(0, text.find_first_not_of(" \t\n"));
  text.erase(text.find_last_not_of(" \t\n") + 1);
  return text;
}

// lscpu's "Key: value" lines; empty where lscpu is missing.
std::map<std::string, std::string> lscpu_fields() {
  std::map<std::string, std::string> fields;
  std::istringstream lines(command_output("LC_ALL=C lscpu 2>/dev/null"));
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(':');
    if (colon != std::string::npos) fields[trimmed(line.substr(0, colon))] = trimmed(line.substr(colon + 1));
  }
  return fields;
}

std::string first_line(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  return line;
}

// The value of /proc/cpuinfo's first `key` line.
std::string cpuinfo_value(const std::string& key) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    const auto colon = line.find(':');
    if (colon != std::string::npos && trimmed(line.substr(0, colon)) == key) return trimmed(line.substr(colon + 1));
  }
  return "";
}

// Read once for all the comparisons. What it costs at start-up is measured
// by bench/startup.sh, not asserted here.
const NodeInventory& inventory() {
  static const NodeInventory node = read_node_inventory();
  return node;
}

TEST(HostInventory, CountsAgreeWithSysconfAndLscpu) {
  const NodeInventory& node = inventory();
  EXPECT_EQ(node.cpu.hardware_threads, sysconf(_SC_NPROCESSORS_ONLN));
  EXPECT_EQ(node.memory_bytes, static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE));
  utsname names{};
  ASSERT_EQ(uname(&names), 0);
  EXPECT_EQ(node.hostname, names.nodename);
  EXPECT_EQ(node.cpu.architecture, names.machine);
  const auto lscpu = lscpu_fields();
  if (lscpu.empty()) GTEST_SKIP() << "lscpu is missing: CPU, core and socket counts not compared with it";
  EXPECT_EQ(std::to_string(node.cpu.hardware_threads), lscpu.at("CPU(s)"));
  if (!lscpu.count("Socket(s)") || !lscpu.count("Core(s) per socket")) GTEST_SKIP() << "lscpu shows no sockets";
  const int sockets = std::stoi(lscpu.at("Socket(s)"));
  EXPECT_EQ(node.cpu.packages, sockets);
  EXPECT_EQ(node.cpu.cores, std::stoi(lscpu.at("Core(s) per socket")) * sockets);
}

TEST(HostInventory, ModelVendorAndIsaAgreeWithProcCpuinfo) {
  const NodeInventory& node = inventory();
  const std::string model = cpuinfo_value("model name");
  if (!model.empty()) EXPECT_EQ(node.cpu.model, model);
  const std::string vendor = cpuinfo_value("vendor_id");
  if (!vendor.empty()) EXPECT_EQ(node.cpu.vendor, vendor);
  std::string flags = cpuinfo_value("flags");
  if (flags.empty()) flags = cpuinfo_value("Features");
  std::set<std::string> present;
  std::istringstream words(flags);
  for (std::string word; words >> word;) present.insert(word == "pni" ? "sse3" : word);  // Linux's name for SSE3
  // machine_inventory.hpp's list, written out again here.
  const std::set<std::string> relevant = {"sse3", "avx", "fma", "avx2", "avx512f", "avx512cd", "avx512bw",
                                          "avx512dq", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16",
                                          "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve", "sve2", "bf16",
                                          "i8mm", "sme"};
  std::set<std::string> expected;
  for (const auto& flag : present) {
    if (relevant.count(flag)) expected.insert(flag);
  }
  const std::set<std::string> isa(node.cpu.isa.begin(), node.cpu.isa.end());
  EXPECT_EQ(isa, expected);
  EXPECT_EQ(isa.size(), node.cpu.isa.size()) << "an extension is listed twice";
}

TEST(HostInventory, CachesAgreeWithSysfsAndLscpu) {
  const NodeInventory& node = inventory();
  auto find = [&](int level, const std::string& kind) -> const CacheLevel* {
    for (const auto& cache : node.cpu.caches) {
      if (cache.level == level && cache.kind == kind) return &cache;
    }
    return nullptr;
  };
  const std::string cpu0 = "/sys/devices/system/cpu/cpu0/cache/";
  int compared = 0;
  for (int index = 0; !first_line(cpu0 + "index" + std::to_string(index) + "/size").empty(); ++index) {
    const std::string dir = cpu0 + "index" + std::to_string(index) + "/";
    const int level = std::stoi(first_line(dir + "level"));
    std::string kind = first_line(dir + "type");  // "Data", "Instruction", "Unified"
    std::transform(kind.begin(), kind.end(), kind.begin(), ::tolower);
    const std::string size = first_line(dir + "size");  // "32K"
    ASSERT_EQ(size.back(), 'K') << dir;
    const CacheLevel* cache = find(level, kind);
    ASSERT_NE(cache, nullptr) << "L" << level << " " << kind;
    EXPECT_EQ(cache->size_bytes, std::stoull(size) * 1024) << "L" << level << " " << kind;
    ++compared;
  }
  if (compared == 0) GTEST_SKIP() << "sysfs shows no caches for cpu0";
  // Instances: lscpu's total over one instance's size, per cache.
  std::istringstream rows(command_output("LC_ALL=C lscpu -B -C=LEVEL,TYPE,ONE-SIZE,ALL-SIZE 2>/dev/null"));
  int rows_read = 0;
  for (std::string line; std::getline(rows, line); ++rows_read) {
    if (line.starts_with("LEVEL")) continue;  // the heading (lscpu -C has no option to drop it)
    std::istringstream row(line);
    int level = 0;
    std::string kind;
    unsigned long long one = 0, all = 0;
    ASSERT_TRUE(row >> level >> kind >> one >> all) << line;
    std::transform(kind.begin(), kind.end(), kind.begin(), ::tolower);
    const CacheLevel* cache = find(level, kind);
    ASSERT_NE(cache, nullptr) << line;
    EXPECT_EQ(cache->size_bytes, one) << line;
    EXPECT_EQ(static_cast<unsigned long long>(cache->instances), all / one) << line;
  }
  if (rows_read == 0) GTEST_SKIP() << "lscpu -C is missing: cache instances not compared";
}

TEST(HostInventory, NumaNodesAgreeWithSysfs) {
  const NodeInventory& node = inventory();
  std::vector<NumaNode> expected;
  std::vector<int> indexes;
  if (DIR* nodes = opendir("/sys/devices/system/node")) {
    while (const dirent* entry = readdir(nodes)) {
      const std::string name = entry->d_name;
      if (name.size() > 4 && name.starts_with("node") && std::isdigit(static_cast<unsigned char>(name[4])))
        indexes.push_back(std::stoi(name.substr(4)));
    }
    closedir(nodes);
  }
  std::sort(indexes.begin(), indexes.end());
  for (const int index : indexes) {
    const std::string dir = "/sys/devices/system/node/node" + std::to_string(index) + "/";
    const std::string cpus = first_line(dir + "cpulist");
    // "Node 0 MemTotal:       20015308 kB"
    std::istringstream meminfo(first_line(dir + "meminfo"));
    std::string node_word, number, key;
    std::uint64_t kib = 0;
    meminfo >> node_word >> number >> key >> kib;
    expected.push_back({index, kib * 1024, cpus});
  }
  if (expected.empty()) GTEST_SKIP() << "no /sys/devices/system/node (a kernel without NUMA)";
  ASSERT_EQ(node.numa.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(node.numa[i].os_index, expected[i].os_index);
    EXPECT_EQ(node.numa[i].cpus, expected[i].cpus) << "node " << expected[i].os_index;
    EXPECT_EQ(node.numa[i].memory_bytes, expected[i].memory_bytes) << "node " << expected[i].os_index;
  }
}

TEST(HostInventory, LinksAreTheEntriesOfSysClassNet) {
  const NodeInventory& node = inventory();
  std::vector<std::string> expected;
  if (DIR* dir = opendir("/sys/class/net")) {
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') expected.emplace_back(entry->d_name);
    }
    closedir(dir);
  }
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> names;
  for (const auto& link : node.links) {
    names.push_back(link.name);
    if (link.name == "lo") EXPECT_EQ(link.kind, "loopback");
    EXPECT_TRUE(link.speed_mbps == -1 || link.speed_mbps > 0) << link.name;
  }
  EXPECT_EQ(names, expected);
}

TEST(HostInventory, PrintsTheSummary) {
  const NodeInventory& node = inventory();
  std::cout << node.hostname << ": " << node.cpu.model << " (" << node.cpu.vendor << ", " << node.cpu.architecture
            << "), " << node.cpu.packages << " packages, " << node.cpu.cores << " cores, "
            << node.cpu.hardware_threads << " threads, " << node.memory_bytes << " bytes\n  isa:";
  for (const auto& isa : node.cpu.isa) std::cout << ' ' << isa;
  std::cout << "\n  frequency: nominal " << node.cpu.frequency.nominal_mhz << " MHz ("
            << node.cpu.frequency.nominal_source << "), max " << node.cpu.frequency.max_mhz << ", current "
            << node.cpu.frequency.current_mhz << ", governor '" << node.cpu.frequency.governor << "'\n";
  for (const auto& c : node.cpu.caches)
    std::cout << "  L" << c.level << ' ' << c.kind << ' ' << c.size_bytes << " B x" << c.instances << '\n';
  for (const auto& n : node.numa) std::cout << "  numa " << n.os_index << ": " << n.cpus << ", " << n.memory_bytes << " B\n";
  for (const auto& p : node.pci)
    std::cout << "  pci " << p.bus_id << ' ' << p.kind << ' ' << p.vendor << ' ' << p.name << " numa " << p.numa_node << '\n';
  for (const auto& l : node.links)
    std::cout << "  link " << l.name << ' ' << l.kind << ' ' << l.speed_mbps << " Mb/s " << l.state << ' '
              << l.pci_bus_id << " numa " << l.numa_node << '\n';
  for (const auto& p : node.ib_ports)
    std::cout << "  ib " << p.device << '/' << p.port << ' ' << p.rate << ' ' << p.state << '\n';
  EXPECT_FALSE(node.cpu.caches.empty());
}

}  // namespace
}  // namespace flopwall
