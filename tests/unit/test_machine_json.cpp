// The machine description's JSON (platform/machine_json.hpp): round trip,
// tolerant reading, folding identical nodes, and the fallback warning line.
#include <gtest/gtest.h>

#include "platform/blas_warning.hpp"
#include "platform/machine_json.hpp"

namespace flopwall {
namespace {

NodeInventory sample_node(const std::string& host) {
  NodeInventory n;
  n.hostname = host;
  n.cpu.model = "Example CPU @ 2.10GHz";
  n.cpu.vendor = "GenuineIntel";
  n.cpu.architecture = "x86_64";
  n.cpu.packages = 2;
  n.cpu.cores = 64;
  n.cpu.hardware_threads = 128;
  n.cpu.isa = {"avx2", "fma", "avx512f"};
  n.cpu.caches = {{.level = 1, .kind = "data", .size_bytes = 48 << 10, .instances = 64}};
  n.cpu.frequency = {.nominal_mhz = 2100, .nominal_source = "model name", .current_mhz = 2345.5, .governor = "performance"};
  n.memory_bytes = (std::uint64_t{512} << 30) - (7 << 20);
  n.numa = {{.os_index = 0, .memory_bytes = std::uint64_t{256} << 30, .cpus = "0-31,64-95"}};
  n.links = {{.name = "ib0", .kind = "infiniband", .speed_mbps = 200000, .state = "up"}};
  n.ib_ports = {{.device = "mlx5_0", .port = 1, .rate = "200 Gb/sec (4X HDR)", .rate_gbps = 200, .state = "ACTIVE"}};
  GpuInventory g;
  g.index = 0;
  g.name = "NVIDIA H200";
  g.uuid = "GPU-" + host;
  g.sm_clock_mhz = 345;
  g.sm_clock_max_mhz = 1980;
  g.nvlinks = {{.link = 0, .active = true, .peer_bus_id = "00000000:18:00.0"}};
  n.gpus = {g};
  n.gpu_topology = {{"X"}};
  n.mpi = {.pml = {"ob1"}, .btl = {"self", "vader"}};
  n.blas = {.library = "OpenBLAS 0.3.21", .chosen = "Prescott", .chosen_isa = "SSE3", .best = "SkylakeX",
            .best_isa = "AVX-512", .selector = "OPENBLAS_CORETYPE", .fallback = true};
  return n;
}

TEST(MachineJson, RoundTripKeepsEveryField) {
  const NodeInventory n = sample_node("a");
  const nlohmann::json j = inventory_to_json(n);
  EXPECT_EQ(inventory_to_json(inventory_from_json(j)), j);
  EXPECT_EQ(j["cpu"]["frequency"]["governor"], "performance");
  EXPECT_EQ(j["gpus"][0]["nvlinks"][0]["peer_bus_id"], "00000000:18:00.0");
  EXPECT_EQ(j["blas"]["fallback"], true);
}

TEST(MachineJson, MissingKeysReadAsUnknown) {
  const NodeInventory n = inventory_from_json(nlohmann::json::parse(R"({"hostname": "x", "cpu": {"cores": 4}})"));
  EXPECT_EQ(n.hostname, "x");
  EXPECT_EQ(n.cpu.cores, 4);
  EXPECT_EQ(n.cpu.frequency.nominal_mhz, 0.0);
  EXPECT_TRUE(n.gpus.empty());
  EXPECT_FALSE(n.blas.fallback);
}

TEST(MachineJson, WrongTypesThrowJsonErrors) {
  EXPECT_THROW(inventory_from_json(nlohmann::json::parse(R"({"cpu": {"cores": "many"}})")), nlohmann::json::exception);
  EXPECT_THROW(machine_from_json(nlohmann::json::parse(R"({"node_classes": [{"count": 1}]})")),
               nlohmann::json::exception);
}

TEST(MachineJson, IdenticalHardwareFoldsIntoOneClass) {
  NodeInventory b = sample_node("b");
  b.cpu.frequency.current_mhz = 3000;        // a clock of the moment
  b.memory_bytes += 3 << 20;                 // firmware reservations differ by MiBs
  b.gpus[0].sm_clock_mhz = 1980;
  b.gpus[0].throttle_reasons = {"gpu_idle"};
  NodeInventory c = sample_node("c");
  c.cpu.cores = 32;                          // another machine
  const std::vector<NodeClass> classes = group_node_classes({sample_node("a"), b, c, sample_node("d")});
  ASSERT_EQ(classes.size(), 2u);
  EXPECT_EQ(classes[0].count, 3);
  EXPECT_EQ(classes[0].hosts, (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(classes[1].hosts, (std::vector<std::string>{"c"}));
  const std::vector<NodeClass> back = machine_from_json(machine_to_json(classes));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].count, 3);
  EXPECT_EQ(back[1].inventory.cpu.cores, 32);
}

TEST(BlasWarning, NamesBothKernelsTheVariableAndTheNodes) {
  const auto line = blas_fallback_warning(group_node_classes({sample_node("a"), sample_node("b")}));
  ASSERT_TRUE(line.has_value());
  EXPECT_NE(line->find("Prescott kernel (SSE3)"), std::string::npos) << *line;
  EXPECT_NE(line->find("supports SkylakeX (AVX-512)"), std::string::npos) << *line;
  EXPECT_NE(line->find("OPENBLAS_CORETYPE=SkylakeX"), std::string::npos) << *line;
  EXPECT_NE(line->find("2 nodes (a,b)"), std::string::npos) << *line;
  EXPECT_EQ(line->find('\n'), std::string::npos);
}

TEST(BlasWarning, SilentWhenEveryNodeRunsItsBestKernel) {
  NodeInventory n = sample_node("a");
  n.blas.fallback = false;
  EXPECT_FALSE(blas_fallback_warning(group_node_classes({n})).has_value());
  EXPECT_FALSE(any_blas_fallback(group_node_classes({n})));
}

}  // namespace
}  // namespace flopwall
