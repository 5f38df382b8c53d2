#!/usr/bin/env bash
# `flopwall export --format chrome` throughput: generates a synthetic trace
# (bench/synthetic_trace.cpp: the project's own trace writer, 56 ops per
# iteration of a tensor-parallel block), exports it RUNS times on one core
# (taskset), and prints the events, seconds and events/s of each run and the
# median. Target (docs/visuals.md, "Timeline export"): at least 1,000,000 events/s for 4 ranks
# × 10,000 iterations. Benchmarks print; no test times anything.
#
#   bench/export_bench.sh [BUILD_DIR]            (default: build)
#   RANKS=4 EVENTS=560000 RUNS=5 bench/export_bench.sh build-cpu
#   OUT=- bench/export_bench.sh    # to standard output (/dev/null): no disk writes
#
# Environment: RANKS (4), EVENTS per rank (560000: 10,000 iterations of 56
# ops), RUNS (5), OUT (file: a file in a temporary folder; '-': standard
# output into /dev/null), TRACE (an existing trace instead of a generated
# one), CPU (the core to run on, 0), FLOPWALL and GENERATOR (the binaries).
set -euo pipefail
build=${1:-build}
ranks=${RANKS:-4}
events=${EVENTS:-560000}
runs=${RUNS:-5}
out_mode=${OUT:-file}
cpu=${CPU:-0}
flopwall=${FLOPWALL:-$build/flopwall}
generator=${GENERATOR:-$build/bench/flopwall_synthetic_trace}
[[ -x $flopwall ]] || { echo "export_bench: no flopwall at $flopwall (build first, or set FLOPWALL)" >&2; exit 2; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "export_bench: RUNS must be a whole number above 0, not '$runs'" >&2; exit 2; }
[[ $out_mode == file || $out_mode == - ]] || { echo "export_bench: OUT must be 'file' or '-', not '$out_mode'" >&2; exit 2; }
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"  # median

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trace=${TRACE:-}
if [[ -z $trace ]]; then
  [[ -x $generator ]] || { echo "export_bench: no generator at $generator (build with -DFLOPWALL_BENCH=ON)" >&2; exit 2; }
  trace=$work/synthetic.h5
  "$generator" --ranks "$ranks" --tp "$ranks" --events "$events" --out "$trace" >"$work/generated.txt"
  echo "trace: $(cat "$work/generated.txt")"
fi
# One core, as the target says; without taskset, as the scheduler places it.
pin=()
command -v taskset >/dev/null && pin=(taskset -c "$cpu")

# The events an export writes: otherData's count, from one untimed export.
n=$("$flopwall" export "$trace" --out - 2>"$work/err" | tail -c 4096 | grep -oE '"events":[0-9]+' | cut -d: -f2 || true)
[[ -n $n ]] || { echo "export_bench: no event count from the export: $(cat "$work/err")" >&2; exit 1; }

printf '%-4s %10s %9s %14s\n' run events seconds events_per_s
: >"$work/rates"
for ((k = 1; k <= runs; k++)); do
  start=$(date +%s.%N)
  if [[ $out_mode == - ]]; then
    "${pin[@]}" "$flopwall" export "$trace" --format chrome --out - >/dev/null 2>"$work/err"
  else
    "${pin[@]}" "$flopwall" export "$trace" --format chrome --out "$work/export.json" 2>"$work/err"
  fi
  stop=$(date +%s.%N)
  awk -v k="$k" -v n="$n" -v a="$start" -v b="$stop" \
    'BEGIN { s = b - a; printf "%-4s %10d %9.3f %14.0f\n", k, n, s, n / s }'
  awk -v n="$n" -v a="$start" -v b="$stop" 'BEGIN { printf "%.6f %.0f\n", b - a, n / (b - a) }' >>"$work/rates"
  rm -f "$work/export.json"
done
seconds=$(cut -d' ' -f1 "$work/rates" | median)
rate=$(cut -d' ' -f2 "$work/rates" | median)
echo "median of $runs: $n events, $(printf '%.3f' "$seconds") s, $(printf '%.0f' "$rate") events/s (target: 1000000 events/s on one core)"
