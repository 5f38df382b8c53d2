#!/usr/bin/env bash
# flopwall's collective times next to bare loops of the same MPI calls
# (bench/bare/bare_collective.c: plain MPI_Init, OSU's timing), each in its
# own process started as a user starts a minimal MPI program. Runs are
# interleaved (flopwall, bare, flopwall, bare, ...) and the medians reported,
# because shared machines drift.
#
#   bench/compare_bare.sh [BUILD_DIR] [REPEATS]     (defaults: build, 5)
#
# Environment: RANKS (2), ITERS (5000), WARMUP (500), COLLECTIVES
# ("allreduce allgather alltoall broadcast reducescatter"), SIZES ("8 1024 65536").
# Prints one line per collective and size: the medians of flopwall's -a 1
# (mean over ranks) and of the bare loop's mean over ranks, their ratio, and
# the same for the slowest rank (-a 3 against the bare loop's largest rank).
set -euo pipefail
build=${1:-build}
repeats=${2:-5}
ranks=${RANKS:-2}
iters=${ITERS:-5000}
warmup=${WARMUP:-500}
collectives=${COLLECTIVES:-allreduce allgather alltoall broadcast reducescatter}
sizes=${SIZES:-8 1024 65536}
flopwall=$build/flopwall
bare=$build/bench/bare_collective
for f in "$flopwall" "$bare"; do
  [[ -x $f ]] || { echo "compare_bare: $f is not built; build the project (with the benchmarks) first" >&2; exit 2; }
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
launch() { mpirun -np "$ranks" --oversubscribe "$@"; }

# flopwall's time_us of one out-of-place size, unchecked, with -a $1.
flopwall_us() {
  launch "$flopwall" collectives --backend cpu --collective "$2" -b "$3" -e "$3" -n "$iters" -w "$warmup" -c 0 \
    --inplace no -a "$1" --format csv | awk -F, 'NR == 2 { print $9 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-14s %9s  %12s %12s %7s  %12s %12s %7s\n' collective bytes "flopwall -a1" "bare mean" ratio \
  "flopwall -a3" "bare max" ratio
for c in $collectives; do
  for s in $sizes; do
    fw1=() fw3=() bm=() bx=()
    for ((r = 0; r < repeats; ++r)); do
      fw1+=("$(flopwall_us 1 "$c" "$s")")
      read -r _ _ _ mean _ max < <(launch "$bare" "$c" "$s" "$iters" "$warmup")
      bm+=("$mean") bx+=("$max")
      fw3+=("$(flopwall_us 3 "$c" "$s")")
    done
    m1=$(printf '%s\n' "${fw1[@]}" | median) m3=$(printf '%s\n' "${fw3[@]}" | median)
    mb=$(printf '%s\n' "${bm[@]}" | median) mx=$(printf '%s\n' "${bx[@]}" | median)
    awk -v c="$c" -v s="$s" -v a="$m1" -v b="$mb" -v x="$m3" -v y="$mx" 'BEGIN {
      printf "%-14s %9d  %12.3f %12.3f %7.2f  %12.3f %12.3f %7.2f\n", c, s, a, b, a / b, x, y, x / y }'
  done
done
