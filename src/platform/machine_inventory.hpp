#pragma once
// What one node is, as a reader of a FLOP/s figure needs it: the processor
// and its ISA, caches, NUMA nodes, the PCI devices that matter (GPUs, NICs)
// with their NUMA affinity, network links, the MPI transports this process
// loaded, the BLAS kernel in use, and the GPUs as NVML describes them.
//
// Plain data. Filled by read_node_inventory (node_inventory.cpp: hwloc, /proc
// and sysfs), read_gpu_inventory (gpu_inventory.cpp: NVML loaded at run time),
// loaded_mpi_transports (mpi_transports.cpp) and the BLAS query; written to
// and read from JSON by machine_json.cpp; judged by `flopwall doctor`.
// A number the OS or the driver does not tell stays at its "unknown" value
// (-1, 0.0 or empty), never a guess.
#include <cstdint>
#include <string>
#include <vector>

namespace flopwall {

struct CacheLevel {
  int level = 0;             // 1, 2, 3, …
  std::string kind;          // "data", "instruction" or "unified"
  std::uint64_t size_bytes = 0;  // one instance
  int instances = 0;         // how many of this cache the node has
};

struct NumaNode {
  int os_index = -1;
  std::uint64_t memory_bytes = 0;
  std::string cpus;  // OS CPU list, as sysfs writes it ("0-15,32-47")
};

struct PciDevice {
  std::string bus_id;  // "0000:17:00.0"
  std::string kind;    // "gpu", "nic" or "infiniband"
  std::string vendor;  // name where hwloc knows it, else "0x10de"
  std::string name;    // device name where hwloc knows it, else "0x2335"
  int numa_node = -1;  // -1: the platform does not tell
};

struct NetworkLink {
  std::string name;          // "eth0", "ib0"
  std::string kind;          // "ethernet", "infiniband", "loopback" or "other" (sysfs type)
  std::int64_t speed_mbps = -1;  // sysfs speed; -1 where the driver does not tell (virtual NICs)
  std::string state;         // sysfs operstate: "up", "down", "unknown"
  std::string pci_bus_id;    // empty for virtual interfaces
  int numa_node = -1;
};

struct InfinibandPort {
  std::string device;        // "mlx5_0"
  int port = 0;
  std::string rate;          // as sysfs writes it: "200 Gb/sec (4X HDR)"
  double rate_gbps = 0.0;    // the leading number of `rate`
  std::string state;         // "ACTIVE", "DOWN", … (without sysfs' "4: " prefix)
  std::string physical_state;  // "LinkUp", …
  std::string link_layer;    // "InfiniBand" or "Ethernet" (RoCE)
  int numa_node = -1;
};

struct CpuFrequency {
  double nominal_mhz = 0.0;  // base frequency: sysfs base_frequency, else the model name's "@ 2.10GHz", else cpuinfo_max_freq, else /proc/cpuinfo "cpu MHz"
  std::string nominal_source;  // which of those gave nominal_mhz
  double max_mhz = 0.0;      // cpufreq cpuinfo_max_freq; 0 where there is no cpufreq
  double current_mhz = 0.0;  // mean of /proc/cpuinfo "cpu MHz" over the node's CPUs
  std::string governor;      // cpufreq scaling_governor of cpu0; empty where there is no cpufreq
  std::string driver;        // cpufreq scaling_driver; empty likewise
};

struct CpuInventory {
  std::string model;         // CPUID model name
  std::string vendor;        // "GenuineIntel", "AuthenticAMD", …
  std::string architecture;  // uname machine: "x86_64", "aarch64"
  int packages = 0;
  int cores = 0;
  int hardware_threads = 0;
  // The ISA extensions that decide GEMM speed per dtype, spelled as
  // /proc/cpuinfo spells them, in this order where present: sse3, avx, fma,
  // avx2, avx512f, avx512cd, avx512bw, avx512dq, avx512vl, avx512_vnni,
  // avx512_bf16, avx512_fp16, amx_tile, amx_bf16, amx_int8; on aarch64
  // asimd, sve, sve2, bf16, i8mm, sme.
  std::vector<std::string> isa;
  std::vector<CacheLevel> caches;  // L1d, L1i, L2, L3, … in that order
  CpuFrequency frequency;
};

struct NvLink {
  int link = 0;
  bool active = false;
  std::string peer_bus_id;  // the PCI bus id at the other end (a GPU or an NVSwitch)
};

struct GpuInventory {
  int index = -1;            // NVML index
  std::string name;          // "NVIDIA H200"
  std::string uuid;
  std::string pci_bus_id;
  int cc_major = -1, cc_minor = -1;
  int sm_count = -1;         // NVML does not tell; the CUDA backend fills it from cudaDeviceProp
  int sm_clock_mhz = -1, sm_clock_max_mhz = -1;
  int mem_clock_mhz = -1, mem_clock_max_mhz = -1;
  std::uint64_t memory_bytes = 0;
  int memory_bus_width_bits = -1;
  int ecc_enabled = -1;          // -1 unknown / not supported, 0 off, 1 on
  int persistence_mode = -1;     // likewise
  int mig_mode = -1;             // likewise
  int pcie_gen = -1, pcie_gen_max = -1;
  int pcie_width = -1, pcie_width_max = -1;
  int numa_node = -1;
  std::vector<std::string> throttle_reasons;  // NVML's active clock event reasons, by name
  std::vector<NvLink> nvlinks;
};

struct MpiTransports {
  // The Open MPI components this process loaded and kept after MPI_Init
  // (unselected ones are unloaded): "ob1", "ucx"; "self", "vader", "tcp"; …
  // Empty for another MPI library.
  std::vector<std::string> pml, btl, mtl;
};

struct BlasKernel {
  std::string library;       // "OpenBLAS 0.3.21"
  std::string config;        // openblas_get_config()
  std::string chosen;        // the kernel in use: openblas_get_corename()
  std::string chosen_isa;    // the ISA that kernel is written for: "SSE3", "AVX-512 BF16"
  std::string best;          // the best kernel this CPU's ISA supports in this library; equals chosen when none is better
  std::string best_isa;
  std::string selector;      // the environment variable that selects a kernel: "OPENBLAS_CORETYPE"
  bool fallback = false;     // chosen is below best
};

struct NodeInventory {
  std::string hostname;
  CpuInventory cpu;
  std::uint64_t memory_bytes = 0;  // MemTotal
  std::vector<NumaNode> numa;
  std::vector<PciDevice> pci;
  std::vector<NetworkLink> links;
  std::vector<InfinibandPort> ib_ports;
  std::vector<GpuInventory> gpus;
  // gpu_topology[i][j]: how GPU i reaches GPU j, in `nvidia-smi topo -m`'s
  // words: "X", "NV<n>", "PIX", "PXB", "PHB", "NODE", "SYS".
  std::vector<std::vector<std::string>> gpu_topology;
  MpiTransports mpi;
  BlasKernel blas;
};

}  // namespace flopwall
