#!/usr/bin/env bash
# `flopwall report` at cluster scale: generates a synthetic trace of RANKS
# ranks × EVENTS events (bench/synthetic_trace.cpp, the project's own trace
# writer), then times `flopwall report` on it in text, JSON and CSV, on one
# process and under `mpirun -np 2`, and prints wall time, µs per event, peak
# RSS (the largest process's, from /usr/bin/time) and the linear projection
# to 10^8 events. docs/report-scale.md describes it; no test times anything.
#
#   bench/report_scale.sh                      # 1024 × 20000, build/ of this checkout
#   RANKS=64 EVENTS=5000 bench/report_scale.sh
#   BUILD=build-r FLOPWALL=/path/to/other/flopwall bench/report_scale.sh
#
# TRACE=path reuses a generated trace (KEEP=1 keeps a new one).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
[[ $build = /* ]] || build=$here/$build
ranks=${RANKS:-1024}
events=${EVENTS:-20000}
flopwall=${FLOPWALL:-$build/flopwall}
generator=${GENERATOR:-$build/bench/flopwall_synthetic_trace}
mpiexec=${MPIEXEC:-mpirun}
nps=${NPS:-"1 2"}
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}

[[ -x $flopwall ]] || { echo "report_scale: no flopwall at $flopwall (build first, or set FLOPWALL)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "report_scale: needs /usr/bin/time (GNU time) for the peak RSS" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trace=${TRACE:-}
if [[ -z $trace ]]; then
  [[ -x $generator ]] || { echo "report_scale: no generator at $generator (build with -DFLOPWALL_BENCH=ON)" >&2; exit 2; }
  trace=${KEEP:+$PWD/report-scale-${ranks}x${events}.h5}
  trace=${trace:-$work/synthetic.h5}
  start=$(date +%s.%N)
  "$generator" --ranks "$ranks" --events "$events" --out "$trace"
  echo "generated in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s: $trace ($(du -h "$trace" | cut -f1))"
fi
total=$(python3 - "$trace" <<'PY' 2>/dev/null || true
import sys, h5py
f = h5py.File(sys.argv[1], "r")
print(sum(g["events"].shape[0] for g in f["ranks"].values()))
PY
)
[[ -n $total ]] || total=$(( ranks * events ))
echo "events: $total   flopwall: $flopwall"
printf '%-6s %-3s %8s %12s %8s %14s %12s %16s\n' format np wall_s us_per_event cpu_s cpu_us_per_ev peak_rss_mib projected_1e8_s
for np in $nps; do
  for format in text json csv; do
    launch=("$flopwall")
    [[ $np -gt 1 ]] && launch=("$mpiexec" -q -np "$np" --oversubscribe "$flopwall")
    /usr/bin/time -o "$work/time" -f '%e %M %U %S' "${launch[@]}" report "$trace" --format "$format" >"$work/out.$format.$np"
    read -r wall rss_kib user sys < <(tail -n 1 "$work/time")
    # Under mpirun, GNU time sees mpirun and its children: %M is the largest
    # single process, %U + %S the CPU time of all (mpirun's own included).
    awk -v f="$format" -v np="$np" -v w="$wall" -v r="$rss_kib" -v c="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" -v n="$total" \
      'BEGIN { printf "%-6s %-3s %8.2f %12.3f %8.2f %14.3f %12.1f %16.0f\n", f, np, w, w * 1e6 / n, c, c * 1e6 / n, r / 1024, w / n * 1e8 }'
  done
done
# The processes' reports must be the one-process report, byte for byte.
for np in $nps; do
  for format in text json csv; do
    cmp -s "$work/out.$format.1" "$work/out.$format.$np" || echo "DIFFERENT: $format at -np $np differs from -np 1"
  done
done
