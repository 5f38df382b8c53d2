#!/usr/bin/env bash
# shellcheck disable=SC2317  # the phase functions are called through phase()
# Installs what is missing, builds, and runs every test this machine can run.
# CI runs it through .ci/run on a clean clone (root, 2 cores, no GPU).
#
#   tests/run.sh [--sanitize | --no-sanitize] [--fuzz-seconds N | --no-fuzz]
#
# Phases, in order, each timed in the summary at the end:
#   deps            launch/install-deps.sh; h5py + pandas for the Python example;
#                   SLURM, munge, iproute2 for the launch tests; chromium for the browser tests
#   quickstart      launch/quickstart.sh, as README.md's first command (it builds build/)
#   build           launch/build.sh with tests and benchmarks, into build/
#   test            ctest in build/: every label this machine has (unit, mpi, cli,
#                   python, docs, emulated, ...); GPU tests skip themselves
#   sanitize-build  build-sanitize/: -DFLOPWALL_SANITIZE=ON (AddressSanitizer +
#                   UndefinedBehaviorSanitizer on every target), no CUDA, no benchmarks
#   sanitize-test   ctest in build-sanitize/, every label but those in
#                   sanitize_skip_labels below
#   fuzz            tests/fuzz/run-fuzz.sh SECONDS (the trace reader under
#                   libFuzzer), when that script exists
#
# Options (each also as an environment variable, the option wins):
#   --sanitize, --no-sanitize   FLOPWALL_SANITIZE=1|0: the two sanitize phases (default: on)
#   --fuzz-seconds N            FLOPWALL_FUZZ_SECONDS=N: how long the fuzzer runs (default 60)
#   --no-fuzz                   the same as --fuzz-seconds 0: no fuzz phase
# A failed deps, quickstart or build phase stops the script. A failed test
# phase, or sanitizer build, does not: the later phases still run, so that
# one CI run reports every failure; the exit code is then 1.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=${FLOPWALL_SANITIZE:-1}
fuzz_seconds=${FLOPWALL_FUZZ_SECONDS:-60}  # keeps the whole run under 30 minutes on CI's 2 cores
while [[ $# -gt 0 ]]; do
  case $1 in
    --sanitize) sanitize=1 ;;
    --no-sanitize) sanitize=0 ;;
    --no-fuzz) fuzz_seconds=0 ;;
    --fuzz-seconds)
      [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "tests/run.sh: --fuzz-seconds needs a whole number of seconds" >&2; exit 2; }
      fuzz_seconds=$2
      shift
      ;;
    -h | --help)
      sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "tests/run.sh: unknown option '$1'; valid: --sanitize, --no-sanitize, --fuzz-seconds N, --no-fuzz" >&2
      exit 2
      ;;
  esac
  shift
done
[[ $sanitize == [01] ]] || { echo "tests/run.sh: FLOPWALL_SANITIZE must be 0 or 1, not '$sanitize'" >&2; exit 2; }
[[ $fuzz_seconds =~ ^[0-9]+$ ]] || { echo "tests/run.sh: FLOPWALL_FUZZ_SECONDS must be a whole number" >&2; exit 2; }

# Open MPI refuses root without these; CI runs as root.
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
jobs=$(nproc)
python=${PYTHON:-python3}

# Labels the sanitizer build does not run, and why:
#   docs      the same commands as the cli cases, over again at larger sizes;
#             they run in build/
#   python    the h5py example tests pandas more than flopwall; runs in build/
#   gpu, emulated  CUDA only; build-sanitize/ has no CUDA (the emulated kernel
#             tests carry ASan themselves in build/)
#   launch    the sbatch templates under a local SLURM: they test scripts and a
#             scheduler, not memory safety; they run in build/
sanitize_skip_labels='^(docs|python|gpu|emulated|launch)$'

# --- one phase: runs and times it; a failure is recorded and returned -------
summary=()
failed=()
phase() {
  local name=$1 start=$SECONDS rc=0
  shift
  echo
  echo "=== tests/run.sh: $name"
  "$@" || rc=$?
  local status=ok
  [[ $rc -eq 0 ]] || { status="FAILED (exit $rc)"; failed+=("$name"); }
  summary+=("$(printf '  %-15s %5d s   %s' "$name" $((SECONDS - start)) "$status")")
  return "$rc"
}
skipped() { summary+=("$(printf '  %-15s     - s   skipped: %s' "$1" "$2")"); }
finish() {
  echo
  echo "=== tests/run.sh: summary (total $SECONDS s)"
  printf '%s\n' "${summary[@]}"
  if [[ ${#failed[@]} -gt 0 ]]; then
    echo "tests/run.sh: FAILED: ${failed[*]}"
    exit 1
  fi
  echo "tests/run.sh: all phases passed"
  exit 0
}

# --- the phases ---------------------------------------------------------------
deps() {
  launch/install-deps.sh || return
  # The launch tests' tools: SLURM and munge (a one-host cluster,
  # tests/launch/local-slurm.sh), iproute2 (the emulated cluster's namespaces,
  # links and qdiscs; `ss` for free ports) and procps (pgrep). Without them
  # those tests skip themselves, so a failed install does not fail this phase.
  if [[ $(id -u) -eq 0 ]] &&
    ! { command -v slurmctld && command -v slurmd && command -v munged && command -v ip && command -v tc &&
      command -v ss && command -v pgrep; } >/dev/null 2>&1; then
    { apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge iproute2 procps; } \
      >/dev/null 2>&1 || echo "tests/run.sh: slurm-wlm/munge/iproute2/procps unavailable; the launch tests will skip" >&2
  fi
  # The HTML report's browser tests: headless Chromium driven over the
  # DevTools protocol (python3-websocket), with a font to draw text in.
  # Without them those cases skip themselves.
  if [[ $(id -u) -eq 0 ]] && ! { command -v chromium && dpkg-query -W python3-websocket; } >/dev/null 2>&1; then
    { apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium python3-websocket \
        fonts-dejavu-core; } >/dev/null 2>&1 || echo "tests/run.sh: chromium unavailable; the browser tests will skip" >&2
  fi
  # The h5py + pandas reading example runs when this Python can have both.
  if ! "$python" -c "import h5py, pandas" 2>/dev/null; then
    "$python" -m pip install --quiet h5py pandas 2>/dev/null ||
      "$python" -m pip install --quiet --break-system-packages h5py pandas 2>/dev/null ||
      echo "tests/run.sh: h5py/pandas unavailable; the Python example test will not run" >&2
  fi
}

quickstart() {
  # As a user runs it. It writes results/quickstart-<time>.h5, which a test
  # run need not keep.
  local marker
  marker=$(mktemp)
  launch/quickstart.sh || { rm -f "$marker"; return 1; }
  find results -maxdepth 1 -name 'quickstart-*.h5' -newer "$marker" -delete
  rm -f "$marker"
}

build() {
  launch/build.sh -DFLOPWALL_TESTS=ON -DFLOPWALL_BENCH=ON -DPython3_EXECUTABLE="$(command -v "$python")"
}

unit_and_more() {
  ctest --test-dir build --output-on-failure -j "$jobs"
}

sanitize_build() {
  local generator=()
  command -v ninja >/dev/null && [[ ! -f build-sanitize/CMakeCache.txt ]] && generator=(-G Ninja)
  # RelWithDebInfo at -O1: AddressSanitizer's recommended optimisation, which
  # compiles about a fifth faster than -O2 on CI's two cores; and -g1: the
  # line tables that make a sanitizer's stack trace readable (file:line of
  # every frame) without the local variables' descriptions, which cut a test
  # file's compile time by 40% (22.8 s to 13.5 s for test_report_sections.cpp).
  cmake -S . -B build-sanitize "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLOPWALL_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DFLOPWALL_CUDA=OFF -DFLOPWALL_BENCH=OFF -DFLOPWALL_TESTS=ON \
    -DPython3_EXECUTABLE="$(command -v "$python")" >/dev/null || return
  cmake --build build-sanitize -j "$jobs"
}

sanitize_test() {
  # detect_leaks=0: Open MPI leaks by design (MPI_Finalize frees little), and
  # a leak is not what this phase hunts. UBSan stops at the first finding
  # (halt_on_error, with -fno-sanitize-recover in the build) and prints where.
  # mpirun passes the environment on to the ranks it starts on this host.
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-sanitize --output-on-failure -j "$jobs" -LE "$sanitize_skip_labels"
}

fuzz() {
  # The fuzzer is quiet when it finds nothing and long when it finds
  # something: its output goes to a log, and the end of it (its summary, or
  # the finding) is printed. The time limit covers building the target too.
  local log rc=0
  log=$(mktemp)
  timeout --kill-after=30 $((fuzz_seconds + 900)) bash tests/fuzz/run-fuzz.sh "$fuzz_seconds" >"$log" 2>&1 || rc=$?
  if [[ $rc -eq 0 ]]; then
    tail -n 20 "$log"
  else
    echo "tests/run.sh: tests/fuzz/run-fuzz.sh $fuzz_seconds failed (exit $rc); the end of its output:"
    tail -n 80 "$log"
  fi
  rm -f "$log"
  return "$rc"
}

phase deps deps || finish
phase quickstart quickstart || finish
phase build build || finish
phase test unit_and_more || true
if [[ $sanitize -eq 1 ]]; then
  if phase sanitize-build sanitize_build; then
    phase sanitize-test sanitize_test || true
  fi
else
  skipped sanitize "--no-sanitize"
fi
if [[ $fuzz_seconds -eq 0 ]]; then
  skipped fuzz "--no-fuzz"
elif [[ ! -f tests/fuzz/run-fuzz.sh ]]; then
  skipped fuzz "tests/fuzz/run-fuzz.sh does not exist yet"
else
  phase fuzz fuzz || true
fi
finish
