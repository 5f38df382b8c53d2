/* A CUDA plugin from another build, for the cli_cuda_plugin_stale test: it
 * has the entry point, but its table carries an ABI version no flopwall has,
 * so the binary must refuse it in one line (runtime/cuda_plugin.cpp). The
 * layout is that of CudaPluginTable (runtime/cuda_plugin_abi.hpp). */
#include <stdint.h>

struct table {
  uint32_t abi_version;
  uint32_t table_bytes;
  const char* tool_version;
  const char* git_revision;
  void* backend_entry;
};

static const struct table k_table = {999999, sizeof(struct table), "0.0.0", "stale", 0};

const struct table* flopwall_cuda_plugin(void) { return &k_table; }
