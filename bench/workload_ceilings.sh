#!/usr/bin/env bash
# How close the workload's own ops come to the measured ceilings, on the cpu
# backend, one rank: the MLP's up and down projections at hidden 2048 against
# the calibrated GEMM peak, and decode attention over a KV cache of 4096
# tokens against the calibrated memory bandwidth. Both are read from the
# report's roofline (pct_of_ceiling, docs/metrics.md "Roofline"), against one
# calibration file measured first and given to every run, so the ceiling is
# the same for every round. Rounds interleave the two runs; medians are
# reported (targets: docs/benchmarks.md).
#
#   bench/workload_ceilings.sh [BUILD_DIR] [ROUNDS]       (defaults: build, 5)
#
# Environment: THREADS (OpenBLAS threads, 1), SECONDS_BUDGET (the
# calibration's --seconds, 4), ITERS (timed iterations per run, 10),
# HIDDEN (2048), KV_LEN (4096), DECODE_STEPS (8).
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
threads=${THREADS:-1} budget=${SECONDS_BUDGET:-4} iters=${ITERS:-10}
hidden=${HIDDEN:-2048} kv_len=${KV_LEN:-4096} decode_steps=${DECODE_STEPS:-8}
[[ -x $build/flopwall ]] || { echo "workload_ceilings: $build/flopwall is not built; build the project first" >&2; exit 2; }
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"  # median, mpirun as root
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One rank; a failure shows flopwall's own line.
flopwall1() {
  mpirun -np 1 "$build/flopwall" "$@" --backend cpu --threads "$threads" --overwrite >"$work/log" 2>&1 ||
    { echo "workload_ceilings: flopwall $1 failed: $(grep -m1 'flopwall' "$work/log")" >&2; exit 1; }
}
# pct_of_ceiling of op $2 in report $1, and the ceiling it was judged against.
pct() {
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
op = [o for o in r["roofline"]["ops"] if o["name"] == sys.argv[2]][0]
print(op["pct_of_ceiling"], op["ceiling"], op["bound"])' "$1" "$2"
}

flopwall1 calibrate --dtype fp32 --seconds "$budget" --out "$work/cal.json"
read -r peak bw < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["devices"][0]
print(d["gemm_flops"]["fp32"], d["mem_bw_bytes_per_s"])' "$work/cal.json")
awk -v p="$peak" -v b="$bw" 'BEGIN { printf "calibration: fp32 GEMM %.2f GFLOP/s, triad %.2f GB/s\n", p / 1e9, b / 1e9 }'

# The prompt fills the cache to KV_LEN − DECODE_STEPS tokens, all but the
# last cached (kv-hit just under 1), so the timed wave is the decode steps
# plus one prompt token; step j reads P + j + 1 cached positions.
prompt=$((kv_len - decode_steps))
hit=$(awk -v p="$prompt" 'BEGIN { printf "%.6f", (p - 1) / p }')

printf '%-6s %14s %14s %20s\n' round "mlp_up %peak" "mlp_down %peak" "decode_attention %bw"
for ((r = 1; r <= rounds; ++r)); do
  flopwall1 run --quiet --model tiny --hidden "$hidden" --heads 16 --ffn $((4 * hidden)) --layers 1 --seq 512 --batch 1 \
    --iters "$iters" --warmup 2 --calibration "$work/cal.json" --out "$work/mlp.h5"
  "$build/flopwall" report "$work/mlp.h5" --format json >"$work/mlp.json"
  flopwall1 run --quiet --model tiny --hidden "$hidden" --heads 16 --ffn $((4 * hidden)) --layers 1 --mode serve \
    --prompt-len "$prompt" --decode-steps "$decode_steps" --kv-hit "$hit" --requests 1 \
    --iters "$iters" --warmup 2 --calibration "$work/cal.json" --out "$work/serve.h5"
  "$build/flopwall" report "$work/serve.h5" --format json >"$work/serve.json"
  read -r up _ _ < <(pct "$work/mlp.json" mlp_up)
  read -r down _ _ < <(pct "$work/mlp.json" mlp_down)
  read -r attn _ bound < <(pct "$work/serve.json" decode_attention)
  echo "$up" >>"$work/up"
  echo "$down" >>"$work/down"
  echo "$attn" >>"$work/attn"
  printf '%-6s %13.1f%% %13.1f%% %19.1f%% (%s-bound)\n' "$r" "$up" "$down" "$attn" "$bound"
done
printf '%-6s %13.1f%% %13.1f%% %19.1f%%\n' median "$(median <"$work/up")" "$(median <"$work/down")" \
  "$(median <"$work/attn")"
echo "targets: mlp_up and mlp_down >= 80% of the calibrated peak; decode_attention >= 60% of the calibrated bandwidth"
