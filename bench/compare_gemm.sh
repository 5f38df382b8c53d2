#!/usr/bin/env bash
# Each GEMM op of `flopwall run` next to a bare replay of the run's GEMMs
# and allreduces (bench/bare/bare_gemm.c, fed by bench/gemm_shapes: the same
# shapes, order and buffers), run as as many processes as the run has ranks
# and started by mpirun as the ranks are (same binding). Runs are
# interleaved and medians reported, because shared machines drift.
#
#   bench/compare_gemm.sh [BUILD_DIR] [REPEATS]     (defaults: build, 5)
#
# Environment: RANKS (2), TP (RANKS), MODEL (tiny), HIDDEN and FFN (the
# preset's unless both are set), ITERS (200), WARMUP (20).
# Prints per GEMM op the medians of: flopwall's mean time per call (report
# JSON, all ranks and layers); the bare replay's (mean over processes);
# speed = bare / flopwall (1.00: the harness costs the GEMMs nothing; target
# >= 0.95); and the bare GEMMs alone, without the allreduces, with what the
# synchronisation costs them (docs/metrics.md, "GEMMs next to a bare loop").
set -euo pipefail
build=${1:-build}
repeats=${2:-5}
ranks=${RANKS:-2} tp=${TP:-${RANKS:-2}} model=${MODEL:-tiny} iters=${ITERS:-200} warmup=${WARMUP:-20}
for f in flopwall bench/gemm_shapes bench/bare_gemm; do
  [[ -x $build/$f ]] || { echo "compare_gemm: $build/$f is not built; build the project (with the benchmarks) first" >&2; exit 2; }
done
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"  # median, mpirun as root
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sizes=() shape_args=()
if [[ -n ${HIDDEN:-} && -n ${FFN:-} ]]; then sizes=(--hidden "$HIDDEN" --ffn "$FFN") shape_args=("$HIDDEN" "$FFN"); fi
"$build/bench/gemm_shapes" "$model" "$tp" "${shape_args[@]}" >"$work/spec"
names=$(awk '$1 == "gemm" && !seen[$2]++ { print $2 }' "$work/spec")

launch() { mpirun -np "$ranks" --oversubscribe "$@"; }
# The bare replay's per-name means over the processes, tagged $1.
bare() { local tag=$1; shift; launch "$build/bench/bare_gemm" "$work/spec" "$iters" "$warmup" "$@" |
  awk -v t="$tag" '{ sum[$1] += $3; n[$1]++ } END { for (k in sum) print t, k, sum[k] / n[k] }' >>"$work/times"; }
for ((r = 0; r < repeats; ++r)); do
  launch "$build/flopwall" run --backend cpu --model "$model" "${sizes[@]}" --tp "$tp" \
    --iters "$iters" --warmup "$warmup" --quiet --out "$work/run.h5" --overwrite 2>/dev/null
  "$build/flopwall" report "$work/run.h5" --format json | python3 -c '
import json, sys
for o in json.load(sys.stdin)["ops"]: print("flopwall", o["name"], o["time_s"]["mean"] * 1e6)' >>"$work/times"
  bare bare
  bare alone gemms-only
done

of() { awk -v t="$1" -v n="$2" '$1 == t && $2 == n { print $3 }' "$work/times" | median; }
printf '%-12s %14s %14s %7s  %16s %7s\n' gemm "flopwall (us)" "bare (us)" speed "gemms alone (us)" "sync"
for name in $names; do
  awk -v n="$name" -v f="$(of flopwall "$name")" -v b="$(of bare "$name")" -v a="$(of alone "$name")" 'BEGIN {
    printf "%-12s %14.1f %14.1f %7.2f  %16.1f %6.2fx\n", n, f, b, b / f, a, b / a }'
done
