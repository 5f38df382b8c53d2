#!/usr/bin/env bash
# tests/fuzz/run-fuzz.sh [SECONDS]: fuzz `flopwall report` for SECONDS (default 120).
#  1. installs clang and libFuzzer's runtime when missing (apt-get, as root);
#  2. configures and builds tests/fuzz (clang, -fsanitize=fuzzer,address,undefined)
#     in build-fuzz/ (FLOPWALL_FUZZ_BUILD overrides);
#  3. makes a seed corpus of real traces: `flopwall run` and `flopwall
#     collectives --out` under mpirun with tiny settings, using the normal
#     build's binary (FLOPWALL_BIN, else build/flopwall or build-*/flopwall;
#     built here when there is none), plus damaged copies of them;
#  4. runs the fuzzer on that corpus and the one kept from earlier runs
#     (build-fuzz/corpus), then prints the executions and the findings.
# Every finding is copied to tests/fuzz/regressions/ (the normal test suite
# reports on each file there, fuzz_regressions) and the script exits 1.
set -euo pipefail

seconds=${1:-120}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FLOPWALL_FUZZ_BUILD:-$root/build-fuzz}
regressions=$root/tests/fuzz/regressions
jobs=$(nproc)
say() { echo "run-fuzz: $*" >&2; }

# ---- 1. tools -----------------------------------------------------------------
libfuzzer_works() {
  local dir
  dir=$(mktemp -d)
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$dir/t.cpp"
  clang++ -fsanitize=fuzzer,address,undefined "$dir/t.cpp" -o "$dir/t" >/dev/null 2>&1
  local rc=$?
  rm -rf "$dir"
  return $rc
}
missing=()
command -v clang >/dev/null && command -v clang++ >/dev/null || missing+=(clang)
command -v cmake >/dev/null || missing+=(cmake)
command -v ninja >/dev/null || missing+=(ninja-build)
if [[ ${#missing[@]} -eq 0 ]] && ! libfuzzer_works; then
  # Debian ships libFuzzer's runtime in the compiler-rt package of clang's major version.
  major=$(clang++ -dumpversion | cut -d. -f1)
  missing+=("libclang-rt-${major}-dev")
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $(id -u) -eq 0 ]] || { say "needs ${missing[*]}; run as root or install them"; exit 2; }
  say "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  libfuzzer_works || { say "clang++ -fsanitize=fuzzer still fails after installing ${missing[*]}"; exit 2; }
fi
[[ -x $root/launch/install-deps.sh ]] && ! pkg-config --exists hdf5-openmpi 2>/dev/null && "$root/launch/install-deps.sh"

# ---- 2. the fuzzer ----------------------------------------------------------------
if [[ ! -f $build/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S "$root/tests/fuzz" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j "$jobs" >"$build/build.log" 2>&1 || { tail -40 "$build/build.log" >&2; say "build failed"; exit 2; }

# ---- 3. seeds: real traces ----------------------------------------------------------
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
flopwall=${FLOPWALL_BIN:-}
if [[ -z $flopwall ]]; then
  for candidate in "$root/build/flopwall" $(ls -t "$root"/build-*/flopwall 2>/dev/null || true); do
    [[ -x $candidate && $candidate != "$build"/* ]] && { flopwall=$candidate; break; }
  done
fi
if [[ -z $flopwall ]]; then
  say "no flopwall binary found (set FLOPWALL_BIN); building one in $build/seed-build"
  cmake -S "$root" -B "$build/seed-build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFLOPWALL_CUDA=OFF \
    -DFLOPWALL_TESTS=OFF -DFLOPWALL_BENCH=OFF >/dev/null
  cmake --build "$build/seed-build" -j "$jobs" --target flopwall >/dev/null
  flopwall=$build/seed-build/flopwall
fi
seeds=$build/seeds
rm -rf "$seeds" && mkdir -p "$seeds" "$build/corpus" "$build/artifacts"
mpi() { timeout 120 mpirun -q --oversubscribe -np "$@"; }
# (&&: `set -e` does not apply inside a command whose failure is handled.)
(
  cd "$seeds" &&
    mpi 2 "$flopwall" run --backend cpu --model tiny --iters 5 --warmup 1 --quiet --out run-np2.h5 &&
    mpi 1 "$flopwall" run --backend cpu --model tiny --iters 3 --warmup 0 --layers 1 --quiet --out run-np1.h5 &&
    mpi 3 "$flopwall" run --backend cpu --model tiny --tp 1 --iters 2 --warmup 0 --layers 1 --quiet --out run-np3.h5 &&
    mpi 2 "$flopwall" collectives --backend cpu -b 8 -e 4K -n 3 -w 1 --out sweep-np2.h5 >/dev/null &&
    mpi 3 "$flopwall" collectives --backend cpu -b 8 -e 64 -n 2 -w 0 -c 0 --out sweep-np3.h5 >/dev/null &&
    mpi 2 "$flopwall" sweep --param batch --values 1,2 -- --backend cpu --model tiny --layers 1 --iters 2 --warmup 0 \
      --quiet --out points-np2.h5
) 2>"$build/seeds.log" || { cat "$build/seeds.log" >&2; say "could not make seed traces with $flopwall"; exit 2; }
# Damaged copies start the fuzzer next to each check the reader makes.
while read -r class kind _; do
  good=$seeds/run-np2.h5
  [[ $kind == sweep ]] && good=$seeds/sweep-np2.h5
  [[ $kind == points ]] && good=$seeds/points-np2.h5
  [[ $class == config_json_nested ]] && continue  # 2 MB: larger than -max_len
  "$build/make_damaged_trace" "$class" "$good" "$seeds/damaged-$class.h5" 7 2>/dev/null || true
done < <("$build/make_damaged_trace" --list)
say "seeds: $(ls "$seeds" | wc -l) traces from $flopwall"

# ---- 4. fuzz ----------------------------------------------------------------------------
before=$(ls "$build/artifacts" | wc -l)
log=$build/fuzz.log
say "fuzzing for $seconds s (log: $log)"
rc=0
ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  FLOPWALL_FUZZ_DIR=${FLOPWALL_FUZZ_DIR:-} \
  "$build/fuzz_report" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
  -print_final_stats=1 -artifact_prefix="$build/artifacts/" "$build/corpus" "$seeds" >"$log" 2>&1 || rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
say "executions: ${execs:-?} (${rate:-?}/s), corpus: $(ls "$build/corpus" | wc -l) inputs, libFuzzer exit code $rc"
new_findings=()
for f in $(ls -t "$build/artifacts" | head -n $(( $(ls "$build/artifacts" | wc -l) - before ))); do
  new_findings+=("$f")
done
if [[ $rc -ne 0 || ${#new_findings[@]} -gt 0 ]]; then
  grep -E "ERROR: |SUMMARY: |flopwall fuzz finding|runtime error" "$log" | head -20 >&2 || true
  mkdir -p "$regressions"
  for f in "${new_findings[@]}"; do
    cp "$build/artifacts/$f" "$regressions/$f"
    say "finding: $f, kept as tests/fuzz/regressions/$f"
  done
  say "FAILED: fix the reader, then keep the regression files"
  exit 1
fi
say "findings: none"
