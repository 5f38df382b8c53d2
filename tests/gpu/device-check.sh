#!/usr/bin/env bash
# The GPU check, in one call on a machine with one NVIDIA GPU (an H200 in
# mind): no network, nvcc/CMake/ninja/CUDA libraries/PyTorch present, MPI,
# HDF5 and Boost development files absent. It
#   1. records the hardware (nvidia-smi, lscpu),
#   2. unpacks the carried .debs (tests/gpu/prepare-deps.sh) into a private prefix,
#   3. builds flopwall with the CUDA backend,
#   4. runs the GPU tests (every kernel against its CPU reference),
#   5. measures GEMM TFLOP/s next to torch.matmul, kernel bandwidth, event overhead,
#   6. runs `flopwall run` on one rank for two model shapes in bf16 and fp8,
# and writes every figure under $OUT (summary.md first). Prepare and run:
#   tests/gpu/prepare-deps.sh                      # here, once
#   run(command="bash tests/gpu/device-check.sh", carry=[".gpu-deps"], timeout_s=540)
set -uo pipefail
cd "$(dirname "$0")/../.."
# The device tool sets $OUT; run by hand, figures go to a fresh folder in /tmp
# (copy what is worth keeping into results/gpu/ with its hardware description).
OUT=${OUT:-$(mktemp -d /tmp/flopwall-device-check.XXXXXX)}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/device-check.log") 2>&1
step() { echo "== [$(date -u +%T)] $*"; }
failed=()
run_step() { local name=$1; shift; step "$name"; "$@" || { echo "!! $name failed ($?)"; failed+=("$name"); }; }

step "hardware"
nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
nvidia-smi -q >"$OUT/nvidia-smi-q.txt" 2>&1
lscpu >"$OUT/lscpu.txt" 2>&1
{ uname -a; cat /etc/os-release; nvcc --version; cmake --version | head -1; python3 -c "import torch; print('torch', torch.__version__)"; } >"$OUT/software.txt" 2>&1

step "dependencies"
prefix=$PWD/.gpu-deps/root
if compgen -G ".gpu-deps/debs/*.deb" >/dev/null; then
  mkdir -p "$prefix"
  for deb in .gpu-deps/debs/*.deb; do dpkg-deb -x "$deb" "$prefix" 2>/dev/null || (cd "$prefix" && ar p "$OLDPWD/$deb" data.tar.xz | tar -xJ); done
  lib=$prefix/usr/lib/x86_64-linux-gnu
  export PATH=$prefix/usr/bin:$PATH
  export LD_LIBRARY_PATH=$lib:$lib/openmpi/lib:$lib/hdf5/openmpi:$lib/openblas-pthread:${LD_LIBRARY_PATH:-}
  export OPAL_PREFIX=$prefix/usr  # a relocated Open MPI finds its components and help files here
  export PKG_CONFIG_PATH=$lib/pkgconfig:$lib/openmpi/lib/pkgconfig:$lib/openblas-pthread/pkgconfig:$prefix/usr/share/pkgconfig
  export PKG_CONFIG_SYSROOT_DIR=$prefix
  export CMAKE_PREFIX_PATH=$prefix/usr
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  mpi_hint=(-DMPI_C_COMPILER="$prefix/usr/bin/mpicc.openmpi")
  command -v pkg-config >/dev/null || ln -sf pkgconf "$prefix/usr/bin/pkg-config"
else
  echo "no .gpu-deps/debs carried; relying on system packages"
  mpi_hint=()
fi

run_step "configure" cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DFLOPWALL_CUDA=ON \
  -DFLOPWALL_BENCH=ON -DFLOPWALL_TESTS=ON "${mpi_hint[@]}"
run_step "build" cmake --build build-gpu -j "$(nproc)" --target flopwall flopwall_gpu_tests flopwall_gpu_bench
ldd build-gpu/flopwall | grep "not found" && failed+=("missing shared libraries")

run_step "gpu tests" build-gpu/tests/flopwall_gpu_tests --gtest_output="json:$OUT/gpu-tests.json"
run_step "gpu bench" bash -c "build-gpu/bench/flopwall_gpu_bench > '$OUT/flopwall-gpu-bench.json'"
run_step "torch matmul" bash -c "python3 tests/gpu/torch_matmul.py > '$OUT/torch-matmul.json'"

for model in "gpt3-1.3b --layers 4 --seq 2048 --batch 4" "llama2-7b --layers 2 --seq 4096 --batch 2"; do
  for dtype in bf16 fp8; do
    name="run-$(echo "$model" | cut -d' ' -f1)-$dtype"
    run_step "$name" build-gpu/flopwall run --backend cuda --model $model --dtype "$dtype" --iters 20 --warmup 5 \
      --quiet --out "$OUT/$name.h5"
    [[ -f $OUT/$name.h5 ]] && build-gpu/flopwall report "$OUT/$name.h5" >"$OUT/$name.txt" &&
      build-gpu/flopwall report "$OUT/$name.h5" --format json >"$OUT/$name.json"
  done
done

step "summary"
python3 tests/gpu/summarize.py "$OUT" >"$OUT/summary.md" || failed+=("summary")
cat "$OUT/summary.md"
if ((${#failed[@]})); then
  echo "device-check: failed steps: ${failed[*]}"
  exit 1
fi
echo "device-check: all steps passed"
