#!/usr/bin/env bash
# flopwall's start-up cost: `flopwall run --iters 1 --warmup 0` (cpu backend)
# against a minimal MPI program that initialises MPI and HDF5
# (bench/bare/bare_startup.c), each started by mpirun as a user starts it.
# Runs are interleaved (flopwall, bare, flopwall, bare, ...) because shared
# machines drift; the medians of the wall times and their difference are
# reported, then the peak resident memory of `flopwall --version`.
#
#   bench/startup.sh [BUILD_DIR] [REPEATS]     (defaults: build, 11)
#
# Environment: FLOPWALL, the binary to time (default BUILD_DIR/flopwall; the
# bare program is always BUILD_DIR/bench/bare_startup), RANKS (2).
# Targets (docs/benchmarks.md): the difference within 0.1 s at 2 ranks, and
# `flopwall --version` under 50 MB peak resident.
set -euo pipefail
build=${1:-build}
repeats=${2:-11}
ranks=${RANKS:-2}
flopwall=${FLOPWALL:-$build/flopwall}
bare=$build/bench/bare_startup
for f in "$flopwall" "$bare"; do
  [[ -x $f ]] || { echo "startup: $f is not built; build the project (with the benchmarks) first" >&2; exit 2; }
done
[[ $repeats =~ ^[1-9][0-9]*$ ]] || { echo "startup: REPEATS must be a whole number above 0, not '$repeats'" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "startup: /usr/bin/time is needed for the peak memory (Debian: apt-get install time)" >&2; exit 2; }
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"  # median, mpirun as root
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Wall seconds of one command; its output is kept only to explain a failure.
wall() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$work/out.txt" 2>&1 || { echo "startup: failed: $*" >&2; tail -5 "$work/out.txt" >&2; exit 1; }
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

launch() { mpirun -np "$ranks" --oversubscribe "$@"; }
: >"$work/flopwall.txt"
: >"$work/bare.txt"
for ((i = 0; i < repeats; i++)); do
  wall launch "$flopwall" run --backend cpu --iters 1 --warmup 0 --quiet --out "$work/run.h5" >>"$work/flopwall.txt"
  rm -f "$work/run.h5"
  wall launch "$bare" >>"$work/bare.txt"
done
f=$(median <"$work/flopwall.txt")
b=$(median <"$work/bare.txt")
/usr/bin/time -f %M -o "$work/rss.txt" "$flopwall" --version >/dev/null
rss_kb=$(tail -1 "$work/rss.txt")

echo "binary: $flopwall ($ranks ranks, $repeats interleaved repeats)"
printf 'flopwall run --iters 1 --warmup 0, median   %.3f s\n' "$f"
printf 'bare_startup (MPI_Init + H5open), median   %.3f s\n' "$b"
awk -v f="$f" -v b="$b" 'BEGIN { printf "difference                                  %+.3f s\n", f - b }'
awk -v k="$rss_kb" 'BEGIN { printf "flopwall --version, peak resident          %.1f MB\n", k / 1024 }'
