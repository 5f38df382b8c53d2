/* A stand-in for libnvidia-ml with nvml.h's ABI (CUDA 13, NVML_API_VERSION
 * 13), describing a fake node for tests/unit/test_gpu_inventory.cpp: two
 * "NVIDIA H200", 18 NVLinks each, all to the other GPU; GPU 1 differs in ECC,
 * persistence, PCIe link and clock event reasons, so that every field is
 * seen to come from its own GPU. It defines the symbols src/platform/
 * nvml_library.cpp resolves except nvmlDeviceGetNumaNodeId, which older
 * drivers lack: the reader then falls back to sysfs. */
#include <stdio.h>
#include <string.h>

#define STUB_EXPORT __attribute__((visibility("default")))

enum { SUCCESS = 0, ERROR_UNINITIALIZED = 1, ERROR_INVALID_ARGUMENT = 2, ERROR_NOT_SUPPORTED = 3 };
enum { CLOCK_SM = 1, CLOCK_MEM = 2 };
enum { TOPOLOGY_SYSTEM = 50 };
enum { NVLINK_MAX_LINKS = 36, LINKS_PER_GPU = 18 };

typedef struct { /* nvmlPciInfo_t */
  char busIdLegacy[16];
  unsigned domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
} pci_info;

typedef struct { /* nvmlMemory_t (v1) */
  unsigned long long total, free, used;
} memory_info;

typedef struct gpu {
  unsigned bus;
  int ecc, persistence;
  unsigned pcie_gen, pcie_width;
  unsigned long long reasons;
} gpu;

static gpu gpus[2] = {
    {0x19, 1, 1, 5, 16, 0x0},
    {0x3B, 0, 0, 4, 8, 0x4}, /* nvmlClocksEventReasonSwPowerCap */
};

/* nvmlInit_v2 calls not yet matched by nvmlShutdown: the test checks that the
 * reader leaves it at 0. */
static int init_depth = 0;

STUB_EXPORT int flopwall_nvml_stub_init_depth(void) { return init_depth; }

static gpu* of(void* device) {
  return (device == &gpus[0] || device == &gpus[1]) && init_depth > 0 ? (gpu*)device : NULL;
}

static void fill_pci(pci_info* pci, unsigned bus) {
  memset(pci, 0, sizeof *pci);
  pci->bus = bus;
  pci->pciDeviceId = 0x233510de;
  snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:%02X.0", 0u, bus, 0u);
  snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:%02X.0", 0u, bus, 0u);
}

STUB_EXPORT int nvmlInit_v2(void) { ++init_depth; return SUCCESS; }
STUB_EXPORT int nvmlShutdown(void) {
  if (init_depth == 0) return ERROR_UNINITIALIZED;
  --init_depth;
  return SUCCESS;
}
STUB_EXPORT const char* nvmlErrorString(int result) {
  switch (result) {
    case SUCCESS: return "Success";
    case ERROR_UNINITIALIZED: return "Uninitialized";
    case ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case ERROR_NOT_SUPPORTED: return "Not Supported";
    default: return "Unknown Error";
  }
}
STUB_EXPORT int nvmlDeviceGetCount_v2(unsigned* count) {
  if (init_depth == 0) return ERROR_UNINITIALIZED;
  *count = 2;
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetHandleByIndex_v2(unsigned index, void** device) {
  if (init_depth == 0) return ERROR_UNINITIALIZED;
  if (index > 1) return ERROR_INVALID_ARGUMENT;
  *device = &gpus[index];
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetName(void* device, char* name, unsigned length) {
  if (!of(device) || length < 12) return ERROR_INVALID_ARGUMENT;
  snprintf(name, length, "NVIDIA H200");
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetUUID(void* device, char* uuid, unsigned length) {
  gpu* g = of(device);
  if (!g || length < 41) return ERROR_INVALID_ARGUMENT;
  snprintf(uuid, length, "GPU-00000000-0000-0000-0000-0000000000%02x", g->bus);
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetPciInfo_v3(void* device, pci_info* pci) {
  gpu* g = of(device);
  if (!g) return ERROR_INVALID_ARGUMENT;
  fill_pci(pci, g->bus);
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetCudaComputeCapability(void* device, int* major, int* minor) {
  if (!of(device)) return ERROR_INVALID_ARGUMENT;
  *major = 9;
  *minor = 0;
  return SUCCESS;
}
static int clock_of(void* device, int type, unsigned* clock) {
  if (!of(device)) return ERROR_INVALID_ARGUMENT;
  if (type == CLOCK_SM) *clock = 1980;
  else if (type == CLOCK_MEM) *clock = 3201;
  else return ERROR_NOT_SUPPORTED;
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetClockInfo(void* device, int type, unsigned* clock) { return clock_of(device, type, clock); }
STUB_EXPORT int nvmlDeviceGetMaxClockInfo(void* device, int type, unsigned* clock) {
  return clock_of(device, type, clock);
}
STUB_EXPORT int nvmlDeviceGetMemoryInfo(void* device, memory_info* memory) {
  if (!of(device)) return ERROR_INVALID_ARGUMENT;
  memory->total = 143771ull * 1024 * 1024;
  memory->used = 0;
  memory->free = memory->total;
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetMemoryBusWidth(void* device, unsigned* width) {
  if (!of(device)) return ERROR_INVALID_ARGUMENT;
  *width = 5120;
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetEccMode(void* device, int* current, int* pending) {
  gpu* g = of(device);
  if (!g) return ERROR_INVALID_ARGUMENT;
  *current = *pending = g->ecc;
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetPersistenceMode(void* device, int* mode) {
  gpu* g = of(device);
  if (!g) return ERROR_INVALID_ARGUMENT;
  *mode = g->persistence;
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetMigMode(void* device, unsigned* current, unsigned* pending) {
  if (!of(device)) return ERROR_INVALID_ARGUMENT;
  *current = *pending = 0; /* NVML_DEVICE_MIG_DISABLE */
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetCurrPcieLinkGeneration(void* device, unsigned* gen) {
  gpu* g = of(device);
  if (!g) return ERROR_INVALID_ARGUMENT;
  *gen = g->pcie_gen;
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetMaxPcieLinkGeneration(void* device, unsigned* gen) {
  if (!of(device)) return ERROR_INVALID_ARGUMENT;
  *gen = 5;
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetCurrPcieLinkWidth(void* device, unsigned* width) {
  gpu* g = of(device);
  if (!g) return ERROR_INVALID_ARGUMENT;
  *width = g->pcie_width;
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetMaxPcieLinkWidth(void* device, unsigned* width) {
  if (!of(device)) return ERROR_INVALID_ARGUMENT;
  *width = 16;
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetCurrentClocksEventReasons(void* device, unsigned long long* reasons) {
  gpu* g = of(device);
  if (!g) return ERROR_INVALID_ARGUMENT;
  *reasons = g->reasons;
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetNvLinkState(void* device, unsigned link, int* active) {
  if (!of(device) || link >= LINKS_PER_GPU) return ERROR_INVALID_ARGUMENT;
  *active = 1; /* NVML_FEATURE_ENABLED */
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetNvLinkRemotePciInfo_v2(void* device, unsigned link, pci_info* pci) {
  gpu* g = of(device);
  if (!g || link >= LINKS_PER_GPU) return ERROR_INVALID_ARGUMENT;
  fill_pci(pci, g == &gpus[0] ? gpus[1].bus : gpus[0].bus);
  return SUCCESS;
}
STUB_EXPORT int nvmlDeviceGetTopologyCommonAncestor(void* a, void* b, int* level) {
  if (!of(a) || !of(b)) return ERROR_INVALID_ARGUMENT;
  *level = TOPOLOGY_SYSTEM;
  return SUCCESS;
}
