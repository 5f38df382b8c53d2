// The GPU description through NVML loaded at run time, without a GPU: a stub
// NVML (tests/unit/nvml_stub.c) describes a two-GPU node and every field must
// come back as the stub gives it; a missing NVML is a status, not an error.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "platform/gpu_inventory.hpp"
#include "platform/nvml_library.hpp"

namespace flopwall {
namespace {

using Strings = std::vector<std::string>;

TEST(GpuInventory, StubNodeIsReadFieldForField) {
  const GpuReading reading = read_gpu_inventory(FLOPWALL_NVML_STUB);
  ASSERT_EQ(reading.status, "ok");
  ASSERT_EQ(reading.gpus.size(), 2u);
  const std::string bus_ids[2] = {"0000:19:00.0", "0000:3b:00.0"};
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    const GpuInventory& gpu = reading.gpus[i];
    EXPECT_EQ(gpu.index, i);
    EXPECT_EQ(gpu.name, "NVIDIA H200");
    EXPECT_EQ(gpu.uuid, i == 0 ? "GPU-00000000-0000-0000-0000-000000000019" : "GPU-00000000-0000-0000-0000-00000000003b");
    EXPECT_EQ(gpu.pci_bus_id, bus_ids[i]);
    EXPECT_EQ(gpu.cc_major, 9);
    EXPECT_EQ(gpu.cc_minor, 0);
    EXPECT_EQ(gpu.sm_count, -1);  // the CUDA backend's to fill
    EXPECT_EQ(gpu.sm_clock_mhz, 1980);
    EXPECT_EQ(gpu.sm_clock_max_mhz, 1980);
    EXPECT_EQ(gpu.mem_clock_mhz, 3201);
    EXPECT_EQ(gpu.mem_clock_max_mhz, 3201);
    EXPECT_EQ(gpu.memory_bytes, std::uint64_t{143771} * 1024 * 1024);
    EXPECT_EQ(gpu.memory_bus_width_bits, 5120);
    EXPECT_EQ(gpu.ecc_enabled, i == 0 ? 1 : 0);
    EXPECT_EQ(gpu.persistence_mode, i == 0 ? 1 : 0);
    EXPECT_EQ(gpu.mig_mode, 0);
    EXPECT_EQ(gpu.pcie_gen, i == 0 ? 5 : 4);
    EXPECT_EQ(gpu.pcie_gen_max, 5);
    EXPECT_EQ(gpu.pcie_width, i == 0 ? 16 : 8);
    EXPECT_EQ(gpu.pcie_width_max, 16);
    // The stub has no nvmlDeviceGetNumaNodeId: the value is sysfs' (-1 where
    // this machine has no such device).
    EXPECT_EQ(gpu.numa_node, pci_numa_node(bus_ids[i]));
    EXPECT_EQ(gpu.throttle_reasons, i == 0 ? Strings{} : Strings{"sw_power_cap"});
    ASSERT_EQ(gpu.nvlinks.size(), 18u);
    for (int link = 0; link < 18; ++link) {
      EXPECT_EQ(gpu.nvlinks[link].link, link);
      EXPECT_TRUE(gpu.nvlinks[link].active);
      EXPECT_EQ(gpu.nvlinks[link].peer_bus_id, bus_ids[1 - i]);
    }
  }
  EXPECT_EQ(reading.topology, (std::vector<Strings>{{"X", "NV18"}, {"NV18", "X"}}));
}

TEST(GpuInventory, EveryInitIsShutDown) {
  // Held open here so that the stub's counter outlives the reader's dlclose.
  void* stub = dlopen(FLOPWALL_NVML_STUB, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(stub, nullptr) << dlerror();
  auto depth = reinterpret_cast<int (*)()>(dlsym(stub, "flopwall_nvml_stub_init_depth"));
  ASSERT_NE(depth, nullptr);
  {
    NvmlLibrary library(FLOPWALL_NVML_STUB);
    ASSERT_TRUE(library.ok()) << library.status();
    EXPECT_EQ(depth(), 1);
    NvmlLibrary moved(std::move(library));
    EXPECT_FALSE(library.ok());
    EXPECT_TRUE(moved.ok());
    EXPECT_EQ(depth(), 1);
  }
  EXPECT_EQ(depth(), 0);
  read_gpu_inventory(FLOPWALL_NVML_STUB);
  EXPECT_EQ(depth(), 0);
  dlclose(stub);
}

TEST(GpuInventory, MissingLibraryIsAStatusNamingThePath) {
  const std::string path = "/nonexistent/flopwall/libnvidia-ml.so.1";
  const GpuReading reading = read_gpu_inventory(path);
  EXPECT_TRUE(reading.gpus.empty());
  EXPECT_TRUE(reading.topology.empty());
  EXPECT_EQ(reading.status.rfind("NVML not found (", 0), 0u) << reading.status;
  EXPECT_NE(reading.status.find(path), std::string::npos) << reading.status;
}

TEST(GpuInventory, RealLibraryNeverThrows) {
  // Without the NVIDIA driver (CI, this test's usual home): no GPUs and the
  // reason. With it: GPUs and a matrix of their count.
  GpuReading reading;
  EXPECT_NO_THROW(reading = read_gpu_inventory());
  ASSERT_FALSE(reading.status.empty());
  if (reading.status.rfind("NVML", 0) == 0) {
    EXPECT_TRUE(reading.gpus.empty()) << reading.status;
  } else {
    EXPECT_EQ(reading.status, "ok");
    EXPECT_EQ(reading.topology.size(), reading.gpus.size());
  }
}

TEST(GpuInventory, BusIdsAreWrittenAsSysfsWritesThem) {
  EXPECT_EQ(sysfs_bus_id("00000000:3B:00.0"), "0000:3b:00.0");
  EXPECT_EQ(sysfs_bus_id("0000:3B:00.0"), "0000:3b:00.0");
  EXPECT_EQ(sysfs_bus_id("00010000:3B:00.0"), "00010000:3b:00.0");  // a domain beyond 16 bits stays whole
}

TEST(GpuInventory, NumaNodeFromSysfs) {
  const auto dir = std::filesystem::temp_directory_path() / ("flopwall-pci-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "0000:3b:00.0");
  std::filesystem::create_directories(dir / "0000:19:00.0");
  std::ofstream(dir / "0000:3b:00.0" / "numa_node") << "1\n";
  std::ofstream(dir / "0000:19:00.0" / "numa_node") << "-1\n";  // what sysfs writes without NUMA
  EXPECT_EQ(pci_numa_node("0000:3b:00.0", dir.string()), 1);
  EXPECT_EQ(pci_numa_node("0000:19:00.0", dir.string()), -1);
  EXPECT_EQ(pci_numa_node("0000:aa:00.0", dir.string()), -1);
  std::filesystem::remove_all(dir);
}

TEST(GpuInventory, ClockEventReasonsByName) {
  EXPECT_EQ(clock_event_reason_names(0), Strings{});
  EXPECT_EQ(clock_event_reason_names(0x1 | 0x8 | 0x80), (Strings{"gpu_idle", "hw_slowdown", "hw_power_brake_slowdown"}));
  EXPECT_EQ(clock_event_reason_names(0x2 | 0x10 | 0x20 | 0x40 | 0x100),
            (Strings{"applications_clocks_setting", "sync_boost", "sw_thermal_slowdown", "hw_thermal_slowdown",
                     "display_clock_setting"}));
  EXPECT_EQ(clock_event_reason_names(0x800), Strings{"0x800"});
}

TEST(GpuInventory, NvlinksDirectOrThroughSwitches) {
  const auto gpu = [](const char* bus, std::vector<NvLink> links) {
    GpuInventory g;
    g.pci_bus_id = bus;
    g.nvlinks = std::move(links);
    return g;
  };
  // Two GPUs joined directly by 2 active links (a third down).
  std::vector<GpuInventory> direct{gpu("0000:17:00.0", {{0, true, "0000:18:00.0"}, {1, true, "0000:18:00.0"},
                                                        {2, false, "0000:18:00.0"}}),
                                   gpu("0000:18:00.0", {{0, true, "0000:17:00.0"}, {1, true, "0000:17:00.0"}})};
  EXPECT_EQ(nvlink_topology_word(direct, 0, 1), "NV2");
  // Three GPUs on NVSwitches (links end at the switches' bus ids); the third has none active.
  std::vector<GpuInventory> switched{gpu("0000:17:00.0", {{0, true, "0000:a0:00.0"}, {1, true, "0000:a1:00.0"}}),
                                     gpu("0000:18:00.0", {{0, true, "0000:a0:00.0"}, {1, true, "0000:a1:00.0"}}),
                                     gpu("0000:19:00.0", {{0, false, "0000:a0:00.0"}})};
  EXPECT_EQ(nvlink_topology_word(switched, 0, 1), "NV2");
  EXPECT_EQ(nvlink_topology_word(switched, 0, 2), "");
  EXPECT_EQ(nvlink_topology_word(switched, 2, 0), "");
}

TEST(GpuInventory, TopologyLevelsInNvidiaSmiWords) {
  EXPECT_EQ(topology_level_name(0), "PIX");
  EXPECT_EQ(topology_level_name(10), "PIX");
  EXPECT_EQ(topology_level_name(20), "PXB");
  EXPECT_EQ(topology_level_name(30), "PHB");
  EXPECT_EQ(topology_level_name(40), "NODE");
  EXPECT_EQ(topology_level_name(50), "SYS");
  EXPECT_EQ(topology_level_name(60), "");
}

}  // namespace
}  // namespace flopwall
