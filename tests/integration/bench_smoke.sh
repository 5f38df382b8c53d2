#!/usr/bin/env bash
# The benchmark scripts still run end to end and print their tables:
#   bench_smoke.sh BUILD_DIR
# A few calls each, so it checks the plumbing (builds, arguments, parsing of
# flopwall's and the bare programs' output), never a figure: benchmarks'
# targets are read by people, not asserted (README.md).
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL [bench_smoke]: $*" >&2; exit 1; }
number='[0-9]+(\.[0-9]+)?'

out=$(SIZES="8 1048576" COLLECTIVES="allreduce broadcast reducescatter" ITERS=20 WARMUP=2 LARGE_ITERS=3 LARGE_WARMUP=1 \
  "$here/bench/compare_bare.sh" "$build" 1)
rows=$(grep -cE "^(allreduce|broadcast|reducescatter) +[0-9]+( +$number){6} +(ok|over)$" <<<"$out" || true)
[[ $rows -eq 6 ]] || fail "compare_bare.sh printed $rows of 6 rows: $out"

out=$(ITERS=3 WARMUP=1 "$here/bench/compare_gemm.sh" "$build" 1)
for gemm in qkv_proj out_proj mlp_up mlp_down; do
  grep -qE "^$gemm( +$number){4} +${number}x$" <<<"$out" || fail "compare_gemm.sh has no row for $gemm: $out"
done
out=$(SECONDS_BUDGET=0.2 CALLS=2 "$here/bench/calibration_vs_openblas.sh" "$build" 1)
grep -qE "^ratio calibrated / bare = $number" <<<"$out" || fail "calibration_vs_openblas.sh printed no ratio: $out"

out=$(SECONDS_BUDGET=0.2 ITERS=1 HIDDEN=256 KV_LEN=64 DECODE_STEPS=2 "$here/bench/workload_ceilings.sh" "$build" 1)
grep -qE "^median +$number% +$number% +$number%$" <<<"$out" || fail "workload_ceilings.sh printed no medians: $out"
# The page's drawing time is "-" where Chromium cannot run; the rest is timed regardless.
out=$(BUILD=$build RANKS=2 ITERS=50 ROUNDS=1 "$here/bench/html_report_bench.sh")
grep -qE "^median +$number +$number " <<<"$out" || fail "html_report_bench.sh printed no medians: $out"
echo "bench_smoke: every script ran"
