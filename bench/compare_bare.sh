#!/usr/bin/env bash
# flopwall's collective times next to bare loops of the same MPI calls
# (bench/bare/bare_collective.c: plain MPI_Init; timed as OSU times and as
# nccl-tests times), each in its own process started as a user starts a
# minimal MPI program. Runs are interleaved (flopwall -a 1, bare, flopwall
# -a 3, ...) and the medians reported, because shared machines drift.
#
#   bench/compare_bare.sh [BUILD_DIR] [REPEATS]     (defaults: build, 5)
#
# Environment: RANKS (2), ITERS (5000) and WARMUP (500) for sizes below
# 1 MiB, LARGE_ITERS (100) and LARGE_WARMUP (10) from 1 MiB up, COLLECTIVES
# ("allreduce allgather alltoall broadcast reducescatter"), SIZES ("8 1024
# 65536 1048576 16777216").
# Prints one line per collective and size: the medians of flopwall's -a 1
# (mean over ranks) and of the bare loop's OSU figure (mean over ranks), their
# ratio; the same for the slowest rank (-a 3 against the bare back-to-back
# loop's slowest rank, as nccl-tests -a 3); and "ok" where both are within
# 10% or 50 ns of the bare figure (docs/collectives.md, "Timing overhead").
set -euo pipefail
build=${1:-build}
repeats=${2:-5}
ranks=${RANKS:-2}
collectives=${COLLECTIVES:-allreduce allgather alltoall broadcast reducescatter}
sizes=${SIZES:-8 1024 65536 1048576 16777216}
flopwall=$build/flopwall
bare=$build/bench/bare_collective
for f in "$flopwall" "$bare"; do
  [[ -x $f ]] || { echo "compare_bare: $f is not built; build the project (with the benchmarks) first" >&2; exit 2; }
done
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"  # median, mpirun as root
launch() { mpirun -np "$ranks" --oversubscribe "$@"; }

# flopwall's time_us of one out-of-place size, unchecked: -a $1, collective
# $2, size $3, iterations $4, warm-up $5.
flopwall_us() {
  launch "$flopwall" collectives --backend cpu --collective "$2" -b "$3" -e "$3" -n "$4" -w "$5" -c 0 \
    --inplace no -a "$1" --format csv | awk -F, 'NR == 2 { print $9 }'
}


printf '%-14s %9s  %12s %12s %7s  %12s %12s %7s  %s\n' collective bytes "flopwall -a1" "bare osu" ratio \
  "flopwall -a3" "bare loop" ratio verdict
for c in $collectives; do
  for s in $sizes; do
    if ((s >= 1048576)); then iters=${LARGE_ITERS:-100} warmup=${LARGE_WARMUP:-10}
    else iters=${ITERS:-5000} warmup=${WARMUP:-500}; fi
    fw1=() fw3=() bm=() bx=()
    for ((r = 0; r < repeats; ++r)); do
      fw1+=("$(flopwall_us 1 "$c" "$s" "$iters" "$warmup")")
      read -r _ _ _ mean _ _ _ _ _ loop_max < <(launch "$bare" "$c" "$s" "$iters" "$warmup")
      bm+=("$mean") bx+=("$loop_max")
      fw3+=("$(flopwall_us 3 "$c" "$s" "$iters" "$warmup")")
    done
    m1=$(printf '%s\n' "${fw1[@]}" | median) m3=$(printf '%s\n' "${fw3[@]}" | median)
    mb=$(printf '%s\n' "${bm[@]}" | median) mx=$(printf '%s\n' "${bx[@]}" | median)
    awk -v c="$c" -v s="$s" -v a="$m1" -v b="$mb" -v x="$m3" -v y="$mx" 'BEGIN {
      ok = (a <= 1.1 * b || a - b <= 0.05) && (x <= 1.1 * y || x - y <= 0.05)
      printf "%-14s %9d  %12.3f %12.3f %7.2f  %12.3f %12.3f %7.2f  %s\n", c, s, a, b, a / b, x, y, x / y, ok ? "ok" : "over" }'
  done
done
