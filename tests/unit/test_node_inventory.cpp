// The node inventory's /proc and sysfs parsers against a fake tree built in a
// temporary directory, and the ISA and MPI transport parsers against sample
// text: each expectation is what the kernel's own files say.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "platform/cpuinfo.hpp"
#include "platform/mpi_transports.hpp"
#include "platform/node_inventory.hpp"

namespace flopwall {
namespace {

namespace fs = std::filesystem;
using Names = std::vector<std::string>;

// A /proc + /sys tree in a fresh temporary directory, removed at the end.
class FakeTree {
 public:
  FakeTree() {
    std::string pattern = (fs::temp_directory_path() / "flopwall-inventory.XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    m_root = pattern;
  }
  FakeTree(const FakeTree&) = delete;
  FakeTree& operator=(const FakeTree&) = delete;
  ~FakeTree() {
    std::error_code ec;
    fs::remove_all(m_root, ec);
  }
  void write(const std::string& path, const std::string& text) const {
    fs::create_directories((m_root / path).parent_path());
    std::ofstream(m_root / path) << text;
  }
  void mkdir(const std::string& path) const { fs::create_directories(m_root / path); }
  // `link` → `target`, both under the root, as sysfs' class entries are.
  void link(const std::string& link, const std::string& target) const {
    fs::create_directories(m_root / target);
    fs::create_directories((m_root / link).parent_path());
    fs::create_directory_symlink(m_root / target, m_root / link);
  }
  InventoryRoots roots() const { return {(m_root / "proc").string(), (m_root / "sys").string()}; }

 private:
  fs::path m_root;
};

const std::string k_cpufreq = "sys/devices/system/cpu/cpu0/cpufreq/";

std::string cpuinfo(const std::string& model, const std::vector<std::string>& mhz) {
  std::string text;
  for (std::size_t cpu = 0; cpu < mhz.size(); ++cpu) {
    text += "processor\t: " + std::to_string(cpu) + "\nvendor_id\t: GenuineIntel\nmodel name\t: " + model + "\n";
    if (!mhz[cpu].empty()) text += "cpu MHz\t\t: " + mhz[cpu] + "\n";
    text += "flags\t\t: fpu pni avx avx2 fma\n\n";
  }
  return text;
}

// The frequency as read_node_inventory reads it: the tree's sysfs, and the
// mean "cpu MHz" of its /proc/cpuinfo.
CpuFrequency frequency_of(const FakeTree& tree, const std::string& model) {
  std::ifstream file(tree.roots().proc + "/cpuinfo");
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return read_cpu_frequency(tree.roots(), model, parse_cpuinfo(text).mean_mhz);
}

TEST(NodeInventoryFrequency, PowersaveGovernorWithBaseFrequency) {
  FakeTree tree;
  tree.write(k_cpufreq + "scaling_governor", "powersave\n");
  tree.write(k_cpufreq + "scaling_driver", "intel_pstate\n");
  tree.write(k_cpufreq + "cpuinfo_max_freq", "3800000\n");
  tree.write(k_cpufreq + "base_frequency", "2000000\n");
  const std::string model = "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz";
  tree.write("proc/cpuinfo", cpuinfo(model, {"1000.000", "3000.000"}));
  const CpuFrequency f = frequency_of(tree, model);
  EXPECT_EQ(f.governor, "powersave");
  EXPECT_EQ(f.driver, "intel_pstate");
  EXPECT_DOUBLE_EQ(f.max_mhz, 3800.0);
  // base_frequency wins over the model name's figure.
  EXPECT_DOUBLE_EQ(f.nominal_mhz, 2000.0);
  EXPECT_EQ(f.nominal_source, "sysfs base_frequency");
  EXPECT_DOUBLE_EQ(f.current_mhz, 2000.0);
}

TEST(NodeInventoryFrequency, ModelNameGivesTheBaseWithoutBaseFrequency) {
  FakeTree tree;
  tree.write(k_cpufreq + "scaling_governor", "performance\n");
  tree.write(k_cpufreq + "scaling_driver", "acpi-cpufreq\n");
  tree.write(k_cpufreq + "cpuinfo_max_freq", "3700000\n");
  const std::string model = "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz";
  tree.write("proc/cpuinfo", cpuinfo(model, {"2100.000"}));
  const CpuFrequency f = frequency_of(tree, model);
  EXPECT_EQ(f.governor, "performance");
  EXPECT_DOUBLE_EQ(f.nominal_mhz, 2100.0);
  EXPECT_EQ(f.nominal_source, "model name");
  EXPECT_DOUBLE_EQ(f.max_mhz, 3700.0);
}

TEST(NodeInventoryFrequency, CpufreqMaxWhenTheModelNameHasNoFrequency) {
  FakeTree tree;
  tree.write(k_cpufreq + "scaling_governor", "schedutil\n");
  tree.write(k_cpufreq + "scaling_driver", "acpi-cpufreq\n");
  tree.write(k_cpufreq + "cpuinfo_max_freq", "2450000\n");
  const std::string model = "AMD EPYC 7763 64-Core Processor";
  tree.write("proc/cpuinfo", cpuinfo(model, {"1500.000", "2500.000"}));
  const CpuFrequency f = frequency_of(tree, model);
  EXPECT_DOUBLE_EQ(f.nominal_mhz, 2450.0);
  EXPECT_EQ(f.nominal_source, "cpufreq max");
  EXPECT_DOUBLE_EQ(f.current_mhz, 2000.0);
}

TEST(NodeInventoryFrequency, NoCpufreqFallsBackToCpuinfoMhz) {
  FakeTree tree;  // a virtual machine: no cpufreq directory at all
  tree.write("proc/cpuinfo", cpuinfo("AMD EPYC", {"2596.150", "2596.150"}));
  const CpuFrequency f = frequency_of(tree, "AMD EPYC");
  EXPECT_EQ(f.governor, "");
  EXPECT_EQ(f.driver, "");
  EXPECT_DOUBLE_EQ(f.max_mhz, 0.0);
  EXPECT_DOUBLE_EQ(f.nominal_mhz, 2596.15);
  EXPECT_EQ(f.nominal_source, "cpuinfo cpu MHz");
  EXPECT_DOUBLE_EQ(f.current_mhz, 2596.15);
}

TEST(NodeInventoryFrequency, NothingKnownStaysUnknown) {
  FakeTree tree;
  tree.write("proc/cpuinfo", cpuinfo("Some CPU", {""}));
  const CpuFrequency f = frequency_of(tree, "Some CPU");
  EXPECT_DOUBLE_EQ(f.nominal_mhz, 0.0);
  EXPECT_EQ(f.nominal_source, "");
  EXPECT_DOUBLE_EQ(f.current_mhz, 0.0);
}

void add_link(const FakeTree& tree, const std::string& name, const std::string& type, const std::string& state) {
  tree.write("sys/class/net/" + name + "/type", type + "\n");
  tree.write("sys/class/net/" + name + "/operstate", state + "\n");
}

TEST(NodeInventoryLinks, PhysicalVirtualAndLoopbackLinks) {
  FakeTree tree;
  add_link(tree, "eth0", "1", "up");
  tree.write("sys/class/net/eth0/speed", "100000\n");
  tree.link("sys/class/net/eth0/device", "sys/devices/pci0000:16/0000:17:00.0");
  tree.write("sys/devices/pci0000:16/0000:17:00.0/numa_node", "1\n");
  add_link(tree, "ens3", "1", "up");  // virtio-net: the PCI function is the parent of virtio2
  tree.write("sys/class/net/ens3/speed", "-1\n");
  tree.link("sys/class/net/ens3/device", "sys/devices/pci0000:00/0000:00:03.0/virtio2");
  tree.write("sys/devices/pci0000:00/0000:00:03.0/numa_node", "0\n");
  add_link(tree, "veth0", "1", "down");
  tree.mkdir("sys/class/net/veth0/speed");  // opens, but the read fails as EINVAL does
  add_link(tree, "lo", "772", "unknown");
  add_link(tree, "ib0", "32", "up");
  tree.write("sys/class/net/ib0/speed", "200000\n");
  tree.link("sys/class/net/ib0/device", "sys/devices/pci0000:c9/0000:ca:00.0");
  tree.write("sys/devices/pci0000:c9/0000:ca:00.0/numa_node", "-1\n");
  add_link(tree, "wg0", "65534", "unknown");

  const std::vector<NetworkLink> links = read_network_links(tree.roots());
  Names names;
  for (const auto& link : links) names.push_back(link.name);
  ASSERT_EQ(names, (Names{"ens3", "eth0", "ib0", "lo", "veth0", "wg0"}));
  const NetworkLink &ens3 = links[0], &eth0 = links[1], &ib0 = links[2], &lo = links[3], &veth0 = links[4];
  EXPECT_EQ(eth0.kind, "ethernet");
  EXPECT_EQ(eth0.speed_mbps, 100000);
  EXPECT_EQ(eth0.state, "up");
  EXPECT_EQ(eth0.pci_bus_id, "0000:17:00.0");
  EXPECT_EQ(eth0.numa_node, 1);
  EXPECT_EQ(ens3.speed_mbps, -1);
  EXPECT_EQ(ens3.pci_bus_id, "0000:00:03.0");
  EXPECT_EQ(ens3.numa_node, 0);
  EXPECT_EQ(ib0.kind, "infiniband");
  EXPECT_EQ(ib0.speed_mbps, 200000);
  EXPECT_EQ(ib0.pci_bus_id, "0000:ca:00.0");
  EXPECT_EQ(ib0.numa_node, -1);
  EXPECT_EQ(lo.kind, "loopback");
  EXPECT_EQ(lo.speed_mbps, -1);
  EXPECT_EQ(lo.pci_bus_id, "");
  EXPECT_EQ(veth0.kind, "ethernet");
  EXPECT_EQ(veth0.speed_mbps, -1);
  EXPECT_EQ(veth0.state, "down");
  EXPECT_EQ(veth0.numa_node, -1);
  EXPECT_EQ(links[5].kind, "other");
}

TEST(NodeInventoryInfiniband, TwoPortsOneActiveOneDown) {
  FakeTree tree;
  tree.link("sys/class/infiniband/mlx5_0/device", "sys/devices/pci0000:c9/0000:ca:00.0");
  tree.write("sys/devices/pci0000:c9/0000:ca:00.0/numa_node", "1\n");
  const std::string port = "sys/class/infiniband/mlx5_0/ports/";
  tree.write(port + "1/rate", "200 Gb/sec (4X HDR)\n");
  tree.write(port + "1/state", "4: ACTIVE\n");
  tree.write(port + "1/phys_state", "5: LinkUp\n");
  tree.write(port + "1/link_layer", "InfiniBand\n");
  tree.write(port + "2/rate", "10 Gb/sec (4X SDR)\n");
  tree.write(port + "2/state", "1: DOWN\n");
  tree.write(port + "2/phys_state", "3: Disabled\n");
  tree.write(port + "2/link_layer", "Ethernet\n");

  const std::vector<InfinibandPort> ports = read_infiniband_ports(tree.roots());
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0].device, "mlx5_0");
  EXPECT_EQ(ports[0].port, 1);
  EXPECT_EQ(ports[0].rate, "200 Gb/sec (4X HDR)");
  EXPECT_DOUBLE_EQ(ports[0].rate_gbps, 200.0);
  EXPECT_EQ(ports[0].state, "ACTIVE");
  EXPECT_EQ(ports[0].physical_state, "LinkUp");
  EXPECT_EQ(ports[0].link_layer, "InfiniBand");
  EXPECT_EQ(ports[0].numa_node, 1);
  EXPECT_EQ(ports[1].port, 2);
  EXPECT_DOUBLE_EQ(ports[1].rate_gbps, 10.0);
  EXPECT_EQ(ports[1].state, "DOWN");
  EXPECT_EQ(ports[1].physical_state, "Disabled");
  EXPECT_EQ(ports[1].link_layer, "Ethernet");
  EXPECT_EQ(ports[1].numa_node, 1);
}

TEST(NodeInventoryInfiniband, NoInfinibandClassGivesNoPorts) {
  FakeTree tree;
  EXPECT_TRUE(read_infiniband_ports(tree.roots()).empty());
  EXPECT_TRUE(read_network_links(tree.roots()).empty());
}

TEST(NodeInventoryRoots, ProcAndSysComeFromTheRoots) {
  FakeTree tree;
  tree.write("proc/cpuinfo", cpuinfo("Fake CPU @ 3.00GHz", {"1234.5"}));
  tree.write("proc/meminfo", "MemTotal:        1000 kB\nMemFree:          500 kB\n");
  add_link(tree, "fake0", "1", "up");
  const NodeInventory node = read_node_inventory(tree.roots());
  EXPECT_EQ(node.cpu.model, "Fake CPU @ 3.00GHz");
  EXPECT_EQ(node.cpu.vendor, "GenuineIntel");
  EXPECT_EQ(node.cpu.isa, (Names{"sse3", "avx", "fma", "avx2"}));
  EXPECT_EQ(node.cpu.frequency.nominal_source, "model name");
  EXPECT_EQ(node.memory_bytes, 1024000u);
  ASSERT_EQ(node.links.size(), 1u);
  EXPECT_EQ(node.links[0].name, "fake0");
}

TEST(NodeInventoryIsa, X86FlagsInTheListsOrder) {
  // Shuffled, with look-alikes that are not on the list (avx512ifma, avx512_vnni's
  // neighbour avx_vnni, sse4_2); "pni" is how x86 /proc/cpuinfo spells SSE3.
  const std::string line =
      "flags\t\t: fpu avx512_vnni amx_int8 avx512ifma avx_vnni sse4_2 avx2 avx512bw pni avx512f avx "
      "avx512_bf16 fma avx512vl avx512cd amx_tile avx512dq avx512_fp16 amx_bf16";
  EXPECT_EQ(relevant_isa(line),
            (Names{"sse3", "avx", "fma", "avx2", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl",
                   "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"}));
  EXPECT_EQ(relevant_isa("fpu sse sse2 ssse3"), Names{});
}

TEST(NodeInventoryIsa, Aarch64FeaturesInTheListsOrder) {
  // A Neoverse V2's line: svebf16 and svei8mm are not bf16 and i8mm.
  const std::string line =
      "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma "
      "lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs sb paca pacg dcpodp "
      "sve2 sveaes svepmull svebitperm svesha3 svesm4 flagm2 frint svei8mm svebf16 i8mm bf16 dgh rng bti";
  EXPECT_EQ(relevant_isa(line), (Names{"asimd", "sve", "sve2", "bf16", "i8mm"}));
  EXPECT_EQ(relevant_isa("Features\t: fp asimd svebf16"), Names{"asimd"});
}

TEST(MpiTransports, LoadedComponentsFromProcMaps) {
  const std::string dir = "/usr/lib/x86_64-linux-gnu/openmpi/lib/openmpi3/";
  std::string maps;
  for (const std::string so : {"mca_pml_ob1.so", "mca_btl_vader.so", "mca_btl_self.so", "mca_btl_tcp.so"}) {
    // Each library is mapped once per segment.
    maps += "7f1c2a000000-7f1c2a004000 r--p 00000000 08:01 1234                       " + dir + so + "\n";
    maps += "7f1c2a004000-7f1c2a010000 r-xp 00004000 08:01 1234                       " + dir + so + "\n";
  }
  maps += "7f1c2b000000-7f1c2b004000 r-xp 00000000 08:01 99 /usr/lib/x86_64-linux-gnu/libmca_common_sm.so.40.30.0\n";
  maps += "7f1c2b000000-7f1c2b004000 r-xp 00000000 08:01 98 /usr/lib/x86_64-linux-gnu/libmca_common_ucx.so\n";
  maps += "7f1c2c000000-7f1c2c004000 r-xp 00000000 08:01 97 /usr/lib/x86_64-linux-gnu/libmpi.so.40.30.2\n";
  maps += "55d0c0000000-55d0c0021000 rw-p 00000000 00:00 0                          [heap]\n";
  maps += "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0\n";
  const MpiTransports t = parse_loaded_transports(maps);
  EXPECT_EQ(t.pml, Names{"ob1"});
  EXPECT_EQ(t.btl, (Names{"self", "tcp", "vader"}));
  EXPECT_EQ(t.mtl, Names{});
}

TEST(MpiTransports, UcxAndOfiAndNoOpenMpi) {
  const std::string maps =
      "7f00-7f01 r-xp 0 08:01 1 /opt/ompi/lib/openmpi/mca_pml_ucx.so\n"
      "7f01-7f02 r-xp 0 08:01 2 /opt/ompi/lib/openmpi/mca_mtl_ofi.so\n";
  const MpiTransports t = parse_loaded_transports(maps);
  EXPECT_EQ(t.pml, Names{"ucx"});
  EXPECT_EQ(t.btl, Names{});
  EXPECT_EQ(t.mtl, Names{"ofi"});
  const MpiTransports none = parse_loaded_transports("7f00-7f01 r-xp 0 08:01 1 /usr/lib/libmpich.so.12\n");
  EXPECT_TRUE(none.pml.empty() && none.btl.empty() && none.mtl.empty());
}

}  // namespace
}  // namespace flopwall
