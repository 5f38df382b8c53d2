#!/usr/bin/env bash
# The flopwall binary of a CUDA-enabled build needs no CUDA library; its
# plugin does:   cuda_plugin_links.sh FLOPWALL PLUGIN
# (readelf -d: the NEEDED entries, which the loader opens before main).
set -euo pipefail
flopwall=$1 plugin=$2
fail() { echo "FAIL [cuda_plugin_links]: $*" >&2; exit 1; }
cuda='lib(cudart|cublas|cublasLt|nccl|cuda)\.so'
needed() { readelf -d "$1" | awk '/\(NEEDED\)/ { gsub(/[][]/, "", $NF); print $NF }'; }
[[ -f $plugin ]] || fail "the plugin $plugin was not built"
bad=$(needed "$flopwall" | grep -E "$cuda" || true)
[[ -z $bad ]] || fail "$flopwall needs CUDA libraries: $(echo $bad)"
for lib in libcudart libcublasLt libnccl; do
  needed "$plugin" | grep -q "^$lib\.so" || fail "the plugin does not need $lib: $(needed "$plugin" | tr '\n' ' ')"
done
# Its one entry point is exported.
nm -D --defined-only "$plugin" | grep -qw flopwall_cuda_plugin || fail "the plugin exports no flopwall_cuda_plugin"
echo "flopwall needs: $(needed "$flopwall" | tr '\n' ' ')"
echo "PASS [cuda_plugin_links]"
