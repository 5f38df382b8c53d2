#!/usr/bin/env bash
# A CUDA-enabled flopwall on a node where the CUDA libraries are absent:
#   no_cuda_libs.sh FLOPWALL MPIEXEC
# In a private mount namespace (unshare --mount), an empty tmpfs hides the
# CUDA toolkit (/usr/local/cuda) and every other directory that `ldconfig -p`
# or LD_LIBRARY_PATH shows holding libcudart, libcublas, libnccl or libcuda
# (in a system library directory, where hiding the directory would hide the
# rest of the system, an empty file is bound over each of those libraries
# instead). There, `flopwall --version` and a 2-rank cpu run must work, and
# `--backend cuda` must say in one line that the plugin cannot load, and
# why, with exit code 2. The mounts vanish with the namespace.
# Exits 77 (ctest SKIP_RETURN_CODE) where mount namespaces are not permitted.
set -euo pipefail
flopwall=$(readlink -f "$1") mpiexec=$2

if [[ ${FLOPWALL_NO_CUDA_NAMESPACE:-} != 1 ]]; then
  if ! unshare --mount --propagation private true 2>/dev/null; then
    echo "SKIP: unshare --mount is not permitted here (it needs CAP_SYS_ADMIN); the no-CUDA-libraries check did not run"
    exit 77
  fi
  FLOPWALL_NO_CUDA_NAMESPACE=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL [no_cuda_libs]: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

# Every CUDA library file the loader could find, resolved through links.
pattern='lib(cudart|cublas|cublasLt|nccl|cuda)\.so'
libraries() {
  ldconfig -p | awk '{ print $NF }' | grep -E "/$pattern" || true
  local dir
  IFS=: read -ra dirs <<<"${LD_LIBRARY_PATH:-}"
  for dir in "${dirs[@]}"; do [[ -d $dir ]] && find "$dir" -maxdepth 1 -regextype egrep -regex ".*/$pattern.*" || true; done
}
system_dir() { [[ $1 =~ ^(/usr)?/lib(64|32|/x86_64-linux-gnu|/aarch64-linux-gnu)?$ ]]; }

hidden=()
hide_dir() {
  local d
  for d in "${hidden[@]}"; do [[ $1 == "$d" || $1 == "$d"/* ]] && return 0; done
  mount -t tmpfs -o size=1m flopwall-no-cuda "$1" 2>/dev/null || skip "mounting a tmpfs over $1 is not permitted here"
  hidden+=("$1")
}
[[ -e /usr/local/cuda ]] && hide_dir "$(readlink -f /usr/local/cuda)"
: >"$work/empty"
while read -r lib; do
  [[ -e $lib ]] || continue  # a link into a directory hidden already
  real=$(readlink -f "$lib")
  dir=$(dirname "$real")
  if system_dir "$dir"; then
    mount --bind "$work/empty" "$real" 2>/dev/null || skip "bind-mounting over $real is not permitted here"
  else
    hide_dir "$dir"
  fi
done < <(libraries | sort -u)
echo "hidden: ${hidden[*]:-nothing} (and $(libraries | wc -l) library names checked)"

cd "$work"
mpi() { local np=$1; shift; timeout 120 "$mpiexec" -q -np "$np" --oversubscribe "$@"; }

# --version: starts, names the plugin without loading it.
"$flopwall" --version >v.txt 2>err.txt || fail "--version failed: $(cat err.txt)"
grep -q "cuda_plugin .*(not loaded)" v.txt || fail "--version does not name the plugin as not loaded: $(cat v.txt)"

# A 2-rank cpu run, and the default (which must fall back to cpu).
mpi 2 "$flopwall" run --backend cpu --iters 2 --warmup 0 --quiet --out cpu.h5 2>err.txt ||
  fail "--backend cpu failed: $(cat err.txt)"
[[ -s cpu.h5 ]] || fail "--backend cpu wrote no trace"
"$flopwall" report cpu.h5 >/dev/null || fail "report of the cpu run failed"
mpi 2 "$flopwall" run --iters 2 --warmup 0 --quiet --out default.h5 2>err.txt ||
  fail "the default backend failed: $(cat err.txt)"
"$flopwall" report default.h5 --format json >r.json
python3 -c "import json, sys; assert json.load(open(sys.argv[1]))['backend'] == 'cpu'" r.json || fail "the default did not use cpu"

# --backend cuda: one line naming the plugin and the loader's reason, exit 2.
rc=0
mpi 2 "$flopwall" run --backend cuda --iters 2 --warmup 0 --quiet --out cuda.h5 >out.txt 2>err.txt || rc=$?
[[ $rc -eq 2 ]] || fail "--backend cuda: exit code $rc (want 2): $(cat err.txt)"
[[ $(wc -l <err.txt) -eq 1 ]] || fail "--backend cuda: stderr is not one line: $(cat err.txt)"
plugin=$(dirname "$flopwall")/libflopwall_cuda.so
grep -qF "cannot load the CUDA plugin $plugin: lib" err.txt || fail "--backend cuda: want the plugin and the missing library named: $(cat err.txt)"
grep -qF -- "--backend cpu" err.txt || fail "--backend cuda: want what to do: $(cat err.txt)"
[[ ! -e cuda.h5 ]] || fail "--backend cuda left a file"
echo "said: $(cat err.txt)"
echo "PASS [no_cuda_libs]"
