// The doctor's checks (cli/doctor_checks.hpp) on injected conditions: each
// test builds a job's facts by hand with one fault and expects exactly the
// finding it causes, and a healthy job expects none.
#include <gtest/gtest.h>

#include <algorithm>

#include "cli/doctor_checks.hpp"

namespace flopwall {
namespace {

NodeFacts healthy_node(const std::string& host, int numa_nodes = 1) {
  NodeFacts n;
  NodeInventory& i = n.inventory;
  i.hostname = host;
  i.cpu.model = "Example CPU";
  i.cpu.cores = 8;
  i.cpu.hardware_threads = 8;
  i.cpu.frequency.governor = "performance";
  i.memory_bytes = std::uint64_t{64} << 30;
  n.memory_available_bytes = std::uint64_t{60} << 30;
  for (int k = 0; k < numa_nodes; ++k)
    i.numa.push_back({.os_index = k, .memory_bytes = i.memory_bytes / numa_nodes,
                      .cpus = std::to_string(k * 8 / numa_nodes) + "-" + std::to_string((k + 1) * 8 / numa_nodes - 1)});
  i.mpi = {.pml = {"ob1"}, .btl = {"self", "tcp", "vader"}};
  i.blas = {.library = "OpenBLAS 0.3.21", .chosen = "Cooperlake", .chosen_isa = "AVX-512 BF16", .best = "Cooperlake",
            .best_isa = "AVX-512 BF16", .selector = "OPENBLAS_CORETYPE", .fallback = false};
  return n;
}

GpuInventory healthy_gpu(int index, int numa) {
  GpuInventory g;
  g.index = index;
  g.name = "NVIDIA H200";
  g.pci_bus_id = "00000000:1" + std::to_string(index) + ":00.0";
  g.sm_clock_mhz = 1980;
  g.sm_clock_max_mhz = 1980;
  g.ecc_enabled = 1;
  g.persistence_mode = 1;
  g.mig_mode = 0;
  g.pcie_gen = g.pcie_gen_max = 5;
  g.pcie_width = g.pcie_width_max = 16;
  g.numa_node = numa;
  g.nvlinks = {{.link = 0, .active = true, .peer_bus_id = "x"}};
  return g;
}

// Two ranks on one node, each bound to its own cores.
DoctorFacts healthy_job() {
  DoctorFacts f;
  f.nodes = {healthy_node("n0")};
  f.ranks = {{.rank = 0, .node = 0, .local_rank = 0, .cpus = {0, 1}, .clock_error_ns = 0},
             {.rank = 1, .node = 0, .local_rank = 1, .cpus = {2, 3}, .clock_error_ns = 800}};
  return f;
}

std::vector<Finding> of_check(const std::vector<Finding>& all, const std::string& check) {
  std::vector<Finding> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out), [&](const Finding& f) { return f.check == check; });
  return out;
}

TEST(DoctorChecks, HealthyJobHasNoFindings) {
  const auto findings = run_doctor_checks(healthy_job());
  for (const Finding& f : findings) ADD_FAILURE() << f.check << ": " << f.message;
}

TEST(DoctorChecks, FallbackKernelIsAnErrorThatRecommendsTheFastestCorrectKernel) {
  DoctorFacts f = healthy_job();
  BlasKernel& b = f.nodes[0].inventory.blas;
  b.chosen = "Prescott";
  b.chosen_isa = "SSE3";
  b.fallback = true;
  f.nodes[0].probe = {{.kernel = "Cooperlake", .available = true, .flops_per_s = 120e9, .max_rel_error = 1e-7, .correct = true},
                      {.kernel = "SkylakeX", .available = true, .flops_per_s = 130e9, .max_rel_error = 0.5, .correct = false},
                      {.kernel = "Prescott", .available = true, .flops_per_s = 28e9, .max_rel_error = 1e-7, .correct = true}};
  const auto found = of_check(run_doctor_checks(f), "blas_kernel");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].severity, Severity::error);
  EXPECT_NE(found[0].message.find("Prescott"), std::string::npos) << found[0].message;
  EXPECT_NE(found[0].fix.find("OPENBLAS_CORETYPE=Cooperlake"), std::string::npos) << found[0].fix;  // not the wrong, faster one
  EXPECT_EQ(found[1].severity, Severity::warning);
  EXPECT_NE(found[1].message.find("SkylakeX"), std::string::npos);
}

TEST(DoctorChecks, FasterKernelThanTheIsaChoiceIsAWarning) {
  DoctorFacts f = healthy_job();
  f.nodes[0].probe = {{.kernel = "Cooperlake", .available = true, .flops_per_s = 100e9, .max_rel_error = 0, .correct = true},
                      {.kernel = "Haswell", .available = true, .flops_per_s = 115e9, .max_rel_error = 0, .correct = true}};
  const auto found = of_check(run_doctor_checks(f), "blas_kernel");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::warning);
  EXPECT_NE(found[0].fix.find("OPENBLAS_CORETYPE=Haswell"), std::string::npos);
  f.nodes[0].probe[1].flops_per_s = 105e9;  // within 10%: noise, not a finding
  EXPECT_TRUE(of_check(run_doctor_checks(f), "blas_kernel").empty());
}

TEST(DoctorChecks, KernelNamesCompareWithoutCase) {
  // Some OpenBLAS versions report "haswell" for the kernel OPENBLAS_CORETYPE=Haswell selects.
  DoctorFacts f = healthy_job();
  f.nodes[0].inventory.blas.chosen = f.nodes[0].inventory.blas.best = "haswell";
  f.nodes[0].probe = {{.kernel = "Haswell", .available = true, .flops_per_s = 100e9, .max_rel_error = 0, .correct = true},
                      {.kernel = "Sandybridge", .available = true, .flops_per_s = 60e9, .max_rel_error = 0, .correct = true}};
  EXPECT_TRUE(of_check(run_doctor_checks(f), "blas_kernel").empty());
  // The kernel in use is found in the probe by name, whatever its case: a faster one is named.
  f.nodes[0].probe.push_back({.kernel = "Zen", .available = true, .flops_per_s = 130e9, .max_rel_error = 0, .correct = true});
  const auto found = of_check(run_doctor_checks(f), "blas_kernel");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].fix.find("OPENBLAS_CORETYPE=Zen"), std::string::npos) << found[0].fix;
}

TEST(DoctorChecks, GovernorOtherThanPerformanceWarns) {
  DoctorFacts f = healthy_job();
  f.nodes[0].inventory.cpu.frequency.governor = "powersave";
  const auto found = of_check(run_doctor_checks(f), "cpu_governor");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].message.find("powersave"), std::string::npos);
  f.nodes[0].inventory.cpu.frequency.governor.clear();  // no cpufreq (a VM): nothing to judge
  EXPECT_TRUE(of_check(run_doctor_checks(f), "cpu_governor").empty());
}

TEST(DoctorChecks, RanksSharingCpusOrSpanningNumaNodesWarn) {
  DoctorFacts f = healthy_job();
  f.nodes[0] = healthy_node("n0", 2);  // NUMA 0: cpus 0-3, NUMA 1: cpus 4-7
  f.ranks[1].cpus = {1, 2, 3, 4};
  const auto found = of_check(run_doctor_checks(f), "rank_binding");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0].message.find("ranks 0 and 1 may run on the same CPUs (1)"), std::string::npos) << found[0].message;
  EXPECT_NE(found[1].message.find("rank 1 may run on CPUs of 2 NUMA nodes"), std::string::npos) << found[1].message;
}

TEST(DoctorChecks, RanksFarFromTheFabricWarn) {
  DoctorFacts f = healthy_job();
  f.nodes[0] = healthy_node("n0", 2);  // NUMA 0: cpus 0-3, NUMA 1: cpus 4-7
  f.nodes[0].inventory.ib_ports = {{.device = "mlx5_0", .port = 1, .state = "ACTIVE", .numa_node = 1}};
  f.ranks[1].cpus = {4, 5};
  const auto found = of_check(run_doctor_checks(f), "rank_binding");
  ASSERT_EQ(found.size(), 1u);  // rank 0 on NUMA 0; rank 1 sits beside the port
  EXPECT_NE(found[0].message.find("rank 0 runs on NUMA node 0 but the node's active InfiniBand ports hang off NUMA node 1"),
            std::string::npos)
      << found[0].message;
  f.nodes[0].inventory.ib_ports[0].state = "DOWN";
  EXPECT_TRUE(of_check(run_doctor_checks(f), "rank_binding").empty());
}

TEST(DoctorChecks, SmtIsNoted) {
  DoctorFacts f = healthy_job();
  f.nodes[0].inventory.cpu.hardware_threads = 16;
  const auto found = of_check(run_doctor_checks(f), "rank_binding");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::info);
}

TEST(DoctorChecks, MemoryHeadroom) {
  DoctorFacts f = healthy_job();
  f.nodes[0].memory_available_bytes = std::uint64_t{8} << 30;  // 12.5%
  auto found = of_check(run_doctor_checks(f), "memory_headroom");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::warning);
  f.nodes[0].memory_available_bytes = std::uint64_t{2} << 30;  // 3%
  found = of_check(run_doctor_checks(f), "memory_headroom");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::error);
}

TEST(DoctorChecks, TcpWithinANodeIsAnError) {
  DoctorFacts f = healthy_job();
  f.nodes[0].inventory.mpi.btl = {"self", "tcp"};
  const auto found = of_check(run_doctor_checks(f), "mpi_transport");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::error);
  EXPECT_NE(found[0].message.find("btl self,tcp"), std::string::npos) << found[0].message;
  f.ranks.pop_back();  // one rank alone on its node needs no shared memory
  EXPECT_TRUE(of_check(run_doctor_checks(f), "mpi_transport").empty());
}

TEST(DoctorChecks, TcpBetweenNodesWithAnActiveFabricIsAnError) {
  DoctorFacts f = healthy_job();
  f.nodes.push_back(healthy_node("n1"));
  f.ranks[1].node = 1;
  f.ranks[1].local_rank = 0;
  f.nodes[1].inventory.ib_ports = {{.device = "mlx5_0", .port = 1, .state = "ACTIVE", .link_layer = "InfiniBand"}};
  auto found = of_check(run_doctor_checks(f), "mpi_transport");
  ASSERT_EQ(found.size(), 2u);  // both nodes' MPI goes over TCP
  EXPECT_NE(found[0].message.find("over TCP"), std::string::npos);
  for (NodeFacts& n : f.nodes) n.inventory.mpi = {.pml = {"ucx"}};
  EXPECT_TRUE(of_check(run_doctor_checks(f), "mpi_transport").empty());
}

TEST(DoctorChecks, ClockErrorBounds) {
  DoctorFacts f = healthy_job();
  f.ranks[1].clock_error_ns = 50'000;
  auto found = of_check(run_doctor_checks(f), "clock_offset");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::warning);
  EXPECT_EQ(found[0].where, "rank 1");
  f.ranks[1].clock_error_ns = 5'000'000;
  found = of_check(run_doctor_checks(f), "clock_offset");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::error);
}

TEST(DoctorChecks, NodesThatDifferAreNamedWithWhatDiffers) {
  DoctorFacts f = healthy_job();
  f.nodes.push_back(healthy_node("n1"));
  f.nodes.push_back(healthy_node("n2"));
  f.nodes[2].inventory.blas.chosen = "Haswell";
  const auto found = of_check(run_doctor_checks(f), "node_uniformity");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].where.find("n2"), std::string::npos);
  EXPECT_NE(found[0].message.find("/blas/chosen"), std::string::npos) << found[0].message;
}

TEST(DoctorChecks, GpuFaults) {
  DoctorFacts f = healthy_job();
  f.nodes[0] = healthy_node("n0", 2);
  f.nodes[0].inventory.gpus = {healthy_gpu(0, 0), healthy_gpu(1, 1)};
  f.ranks[1].cpus = {4, 5};  // beside its GPU
  EXPECT_TRUE(run_doctor_checks(f).empty());
  GpuInventory& g = f.nodes[0].inventory.gpus[1];
  g.throttle_reasons = {"gpu_idle", "hw_thermal_slowdown"};
  g.ecc_enabled = 0;
  g.persistence_mode = 0;
  g.pcie_width = 8;
  f.ranks[1].cpus = {2, 3};
  const auto all = run_doctor_checks(f);
  ASSERT_EQ(of_check(all, "gpu_clocks").size(), 1u);
  EXPECT_EQ(of_check(all, "gpu_clocks")[0].severity, Severity::error);
  EXPECT_EQ(of_check(all, "gpu_ecc_persistence").size(), 2u);
  ASSERT_EQ(of_check(all, "gpu_pcie").size(), 1u);
  EXPECT_NE(of_check(all, "gpu_pcie")[0].message.find("x8 of x16"), std::string::npos);
  // Rank 1 drives GPU 1 (NUMA 1: cpus 4-7) from cpus 2-3.
  ASSERT_EQ(of_check(all, "gpu_binding").size(), 1u);
  EXPECT_NE(of_check(all, "gpu_binding")[0].where.find("rank 1"), std::string::npos);
}

TEST(DoctorChecks, NcclForcedOntoSocketsWhereFabricsExist) {
  DoctorFacts f = healthy_job();
  f.nodes[0].inventory.gpus = {healthy_gpu(0, 0)};
  f.environment = {{"NCCL_P2P_DISABLE", "1"}, {"NCCL_NET", "Socket"}};
  EXPECT_EQ(of_check(run_doctor_checks(f), "nccl_transport").size(), 1u);  // NVLink disabled; no IB to lose
  f.nodes[0].inventory.ib_ports = {{.device = "mlx5_0", .port = 1, .state = "ACTIVE"}};
  EXPECT_EQ(of_check(run_doctor_checks(f), "nccl_transport").size(), 2u);
}

TEST(DoctorChecks, CpuListParsing) {
  EXPECT_EQ(parse_cpu_list("0-3,8,10-11"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(parse_cpu_list(""), std::vector<int>{});
  EXPECT_EQ(parse_cpu_list("x,2,3-y"), std::vector<int>{2});
}

}  // namespace
}  // namespace flopwall
