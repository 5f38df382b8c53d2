#!/usr/bin/env bash
# `flopwall calibrate`'s fp32 GEMM FLOP/s next to a bare OpenBLAS sgemm loop
# (bench/bare/bare_sgemm.cpp) of the same square size and thread count, one
# rank, interleaved over rounds because shared machines drift.
#
#   bench/calibration_vs_openblas.sh [BUILD_DIR] [ROUNDS]     (defaults: build, 5)
#
# Environment: THREADS (1), SECONDS_BUDGET (the calibration's --seconds, 4),
# CALLS (timed calls of the bare loop, 10).
# Prints each round's figures, then the medians and
# ratio = calibrated / bare (target: >= 0.90; docs/benchmarks.md).
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
threads=${THREADS:-1} budget=${SECONDS_BUDGET:-4} calls=${CALLS:-10}
for f in flopwall bench/bare_sgemm; do
  [[ -x $build/$f ]] || { echo "calibration_vs_openblas: $build/$f is not built; build the project (with the benchmarks) first" >&2; exit 2; }
done
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"  # median, mpirun as root
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%-6s %8s %22s %22s\n' round n "calibrate (GFLOP/s)" "bare sgemm (GFLOP/s)"
for ((r = 1; r <= rounds; ++r)); do
  mpirun -np 1 "$build/flopwall" calibrate --backend cpu --dtype fp32 --threads "$threads" --seconds "$budget" \
    --out "$work/cal.json" --overwrite >/dev/null 2>&1
  read -r n calibrated < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["devices"][0]
print(d["gemm_n"], d["gemm_flops"]["fp32"])' "$work/cal.json")
  bare=$("$build/bench/bare_sgemm" "$n" "$calls" "$threads" | sed -n 's/.*flops_per_s=//p')
  echo "$calibrated" >>"$work/calibrated"
  echo "$bare" >>"$work/bare"
  awk -v r="$r" -v n="$n" -v c="$calibrated" -v b="$bare" 'BEGIN { printf "%-6s %8d %22.2f %22.2f\n", r, n, c / 1e9, b / 1e9 }'
done
awk -v c="$(median <"$work/calibrated")" -v b="$(median <"$work/bare")" 'BEGIN {
  printf "median %8s %22.2f %22.2f\nratio calibrated / bare = %.3f (target >= 0.90)\n", "", c / 1e9, b / 1e9, c / b }'
