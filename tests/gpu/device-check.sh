#!/usr/bin/env bash
# The GPU check, in one call on a machine with one NVIDIA GPU (an H200 in
# mind): no network, nvcc/CMake/ninja/CUDA libraries/PyTorch present, MPI,
# HDF5 and Boost development files absent. It
#   1. records the hardware (nvidia-smi, lscpu),
#   2. unpacks the carried .debs (tests/gpu/prepare-deps.sh) into a private prefix,
#   3. builds flopwall with the CUDA backend,
#   4. runs the GPU tests (every kernel against its CPU reference),
#   5. measures GEMM TFLOP/s next to torch.matmul, kernel bandwidth, event overhead,
#   6. runs `flopwall run` on one rank for two model shapes in bf16 and fp8
#      (their traces describe the GPU through NVML and store NCCL's topology),
#      a training step (llama2-7b, 2 layers) in fp32, bf16 and fp8,
#      and `flopwall doctor`,
# and writes every figure under $OUT. The device tool brings back at most 8
# files, so $OUT holds exactly: device-check.log, hardware.txt, gpu-tests.json,
# flopwall-gpu-bench.json, torch-matmul.json, summary.md and runs.tar.gz (the
# traces and reports of step 6). Prepare and run:
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
{
  for cmd in "nvidia-smi" "nvidia-smi -q" "lscpu" "uname -a" "cat /etc/os-release" "nvcc --version" "cmake --version" \
    "python3 -c 'import torch; print(torch.__version__, torch.version.cuda)'"; do
    echo "### $cmd"
    bash -c "$cmd" 2>&1
    echo
  done
} >"$OUT/hardware.txt"

step "dependencies"
# Unpacked outside .gpu-deps (~330 MiB), so that a run here cannot make the
# carried folder too big; /build*/ is git-ignored.
prefix=$PWD/build-deps
if compgen -G ".gpu-deps/debs/*.deb" >/dev/null; then
  # Python is certain there, dpkg-deb, ar and xz are not (unpack_debs.py needs
  # the standard library only); dpkg-deb, where it exists, is the second try.
  rm -rf "$prefix"
  python3 tests/gpu/unpack_debs.py "$prefix" .gpu-deps/debs/*.deb ||
    for deb in .gpu-deps/debs/*.deb; do dpkg-deb -x "$deb" "$prefix" || failed+=("unpack $deb"); done
  lib=$prefix/usr/lib/x86_64-linux-gnu
  export PATH=$prefix/usr/bin:$PATH
  # libnl-3 (for Open MPI's plugins) still lies in /lib, not /usr/lib, in its .deb.
  export LD_LIBRARY_PATH=$lib:$prefix/lib/x86_64-linux-gnu:$lib/openmpi/lib:$lib/hdf5/openmpi:$lib/openblas-pthread:${LD_LIBRARY_PATH:-}
  export OPAL_PREFIX=$prefix/usr  # a relocated Open MPI finds its components and help files here
  export PMIX_MCA_mca_base_component_path=$lib/pmix2/lib/pmix  # and its PMIx, its own
  # MPI_Init without mpirun (a singleton) starts an orted, whose default
  # launcher wants ssh or rsh, absent there: one node needs none ("isolated").
  # One rank on one node: shared memory only, no probing of fabrics (UCX, OFI,
  # verbs) whose libraries are not all carried.
  export OMPI_MCA_plm=isolated OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_osc=^ucx
  export PKG_CONFIG_PATH=$lib/pkgconfig:$lib/openmpi/lib/pkgconfig:$lib/openblas-pthread/pkgconfig:$prefix/usr/share/pkgconfig
  export PKG_CONFIG_SYSROOT_DIR=$prefix
  export CMAKE_PREFIX_PATH=$prefix/usr
  # The compiler searches /usr/include/<multiarch> by itself, not its relocated
  # copy, where hwloc's autogen/config.h lies (hwloc.pc names only include/).
  export CPATH=$prefix/usr/include/x86_64-linux-gnu${CPATH:+:$CPATH}
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  hints=(-DMPI_C_COMPILER="$prefix/usr/bin/mpicc.openmpi")
  command -v pkg-config >/dev/null || ln -sf pkgconf "$prefix/usr/bin/pkg-config"
else
  echo "no .gpu-deps/debs carried; relying on system packages"
  hints=()
fi
# CUDA >= 12.9 has no libnvToolsExt, and CMake 3.25's FindCUDAToolkit then
# stops ("set_property could not find TARGET CUDA::nvToolsExt"): name a stand-in
# (flopwall never links it) so the target exists whatever CMake is there.
cuda=$(dirname "$(dirname "$(readlink -f "$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)")")")
if [[ -z $(find "$cuda/" -name "libnvToolsExt.so*" -print -quit 2>/dev/null) ]]; then
  mkdir -p .gpu-deps && : >.gpu-deps/nvToolsExt-absent.so
  hints+=(-DCUDA_nvToolsExt_LIBRARY="$PWD/.gpu-deps/nvToolsExt-absent.so")
fi
# NCCL and cuBLASLt may be there only as PyTorch's wheels (site-packages/
# nvidia/...). wheel_dir prints the folder holding include/HEADER in one.
site=$(python3 -c 'import site; print(*site.getsitepackages(), site.getusersitepackages())' 2>/dev/null)
wheel_dir() {
  local header
  header=$(find $site -path "*nvidia*" -name "$1" -print -quit 2>/dev/null)
  [[ -n $header ]] && dirname "$(dirname "$header")" || { echo "$1 is neither in $cuda nor in a wheel" >&2; false; }
}
# FindNCCL takes such a folder (include/nccl.h, lib/libnccl.so.2) as NCCL_ROOT.
if [[ ! -e $cuda/include/nccl.h && ! -e /usr/include/nccl.h ]] && nccl_root=$(wheel_dir nccl.h); then
  echo "NCCL from a wheel: $nccl_root"
  hints+=(-DNCCL_ROOT="$nccl_root")
  export LD_LIBRARY_PATH=$nccl_root/lib:${LD_LIBRARY_PATH:-}
fi
# FindCUDAToolkit wants libcublasLt.so, which the wheel lacks (only .so.13):
# point it at a link named so.
if [[ ! -e $cuda/include/cublasLt.h ]] && lt_root=$(wheel_dir cublasLt.h); then
  library=$(find "$lt_root/lib" -name "libcublasLt.so*" -print -quit 2>/dev/null)
  echo "cuBLASLt from a wheel: $library"
  mkdir -p .gpu-deps/wheels && ln -sf "$library" .gpu-deps/wheels/libcublasLt.so
  hints+=(-DCUDA_cublasLt_LIBRARY="$PWD/.gpu-deps/wheels/libcublasLt.so")
  export CPATH=${CPATH:+$CPATH:}$lt_root/include LD_LIBRARY_PATH=$lt_root/lib:${LD_LIBRARY_PATH:-}
fi

run_step "configure" cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DFLOPWALL_CUDA=ON \
  -DFLOPWALL_BENCH=ON -DFLOPWALL_TESTS=ON "${hints[@]}"
run_step "build" cmake --build build-gpu -j "$(nproc)" --target flopwall flopwall_gpu_tests flopwall_gpu_bench flopwall_unit_tests
ldd build-gpu/flopwall build-gpu/libflopwall_cuda.so build-gpu/tests/flopwall_gpu_tests build-gpu/bench/flopwall_gpu_bench | grep "not found" &&
  failed+=("missing shared libraries")

run_step "gpu tests" build-gpu/tests/flopwall_gpu_tests --gtest_output="json:$OUT/gpu-tests.json"
# NVML for real: the inventory tests that read the machine's own GPUs.
run_step "gpu inventory" build-gpu/tests/flopwall_unit_tests --gtest_filter='GpuInventory.*'

run_step "gpu bench" bash -c "build-gpu/bench/flopwall_gpu_bench > '$OUT/flopwall-gpu-bench.json'"
run_step "torch matmul" bash -c "python3 tests/gpu/torch_matmul.py > '$OUT/torch-matmul.json'"

runs=$OUT/runs
mkdir -p "$runs"
# MPI and parallel HDF5 without the GPU, so a failure below tells which it is.
run_step "run-cpu" build-gpu/flopwall run --backend cpu --model tiny --iters 3 --warmup 1 --quiet --out "$runs/cpu.h5"
for model in "gpt3-1.3b --layers 4 --seq 2048 --batch 4" "llama2-7b --layers 2 --seq 4096 --batch 2"; do
  for dtype in bf16 fp8; do
    name="run-$(echo "$model" | cut -d' ' -f1)-$dtype"
    run_step "$name" build-gpu/flopwall run --backend cuda --model $model --dtype "$dtype" --iters 20 --warmup 5 \
      --quiet --out "$runs/$name.h5"
    [[ -f $runs/$name.h5 ]] && build-gpu/flopwall report "$runs/$name.h5" >"$runs/$name.txt" &&
      build-gpu/flopwall report "$runs/$name.h5" --format json >"$runs/$name.json"
  done
done

# The training step on one GPU (forward, backward kernels, cuBLASLt dgrad and wgrad GEMMs).
for dtype in fp32 bf16 fp8; do
  name="train-llama2-7b-$dtype"
  run_step "$name" build-gpu/flopwall run --backend cuda --mode train --model llama2-7b --layers 2 --seq 2048 \
    --batch 1 --dtype "$dtype" --iters 10 --warmup 3 --quiet --out "$runs/$name.h5"
  [[ -f $runs/$name.h5 ]] && build-gpu/flopwall report "$runs/$name.h5" --format json >"$runs/$name.json"
done

# The doctor on one rank: NVML's view of the GPU judged (clocks, ECC, persistence, PCIe).
run_step "doctor" bash -c "build-gpu/flopwall doctor --format json --probe-seconds 0.5 > '$runs/doctor.json'; [[ \$? -le 1 ]]"

step "summary"
python3 tests/gpu/summarize.py "$OUT" >"$OUT/summary.md" || failed+=("summary")
cat "$OUT/summary.md"
tar -C "$OUT" -czf "$OUT/runs.tar.gz" runs && rm -rf "$runs"
if ((${#failed[@]})); then
  echo "device-check: failed steps: ${failed[*]}"
  exit 1
fi
echo "device-check: all steps passed"
