#!/usr/bin/env bash
# End-to-end checks of `flopwall sweep`, one case per ctest entry:
#   sweep_cases.sh CASE FLOPWALL MPIEXEC [PYTHON]
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 python=${4:-python3}
case_timeout=150
source "$(dirname "$0")/case_lib.sh"
tiny=(--model tiny --layers 1 --iters 4 --warmup 1 --quiet)

case $case_name in
sweep_batch)
  mpi 2 "$flopwall" sweep --param batch --values 4,1,2 --slo-p99-ms 100000 -- "${tiny[@]}" --out s.h5
  "$flopwall" report s.h5 --format json >r.json
  # Points sorted by value, every point measured.
  json_check r.json '[p["value"] for p in r["sweep"]["points"]] == [1, 2, 4] and r["sweep"]["values_planned"] == 3'
  json_check r.json 'r["sweep"]["param"] == "batch" and r["sweep"]["knee_metric"] == "tokens_per_s" and r["sweep"]["latency"] == "step_time"'
  json_check r.json 'all(p["iterations"] == 4 and 0 < p["p50_s"] <= p["p99_s"] for p in r["sweep"]["points"])'
  # The knee by its definition: the smallest value reaching 90% of the best tokens/s.
  json_check r.json 'r["sweep"]["knee"] == min(p["value"] for p in r["sweep"]["points"] if p["tokens_per_s"] >= 0.9 * max(q["tokens_per_s"] for q in r["sweep"]["points"]))'
  # An SLO every point meets: the largest value.
  json_check r.json 'r["sweep"]["slo_p99_s"] == 100.0 and r["sweep"]["slo_max"] == 4'
  # Each point equals its own run report (points are stored in run order: 4, 1, 2).
  for k in 0 1 2; do
    "$flopwall" report s.h5 --point "$k" --format json >p$k.json
  done
  for pair in "0 4" "1 1" "2 2"; do
    set -- $pair
    json_check p$1.json "r['config']['batch'] == $2 and r['config']['out'] == 's.h5'"
    "$python" - p$1.json r.json "$2" <<'PY' || fail "point $1 differs from its run report"
import json, sys
point, sweep, value = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
p = next(p for p in sweep["sweep"]["points"] if p["value"] == value)
c = point["config"]
assert p["p50_s"] == point["step_time_s"]["p50"] and p["p99_s"] == point["step_time_s"]["p99"], (p, point["step_time_s"])
assert p["tflops_per_rank"] == point["tflops_per_rank"]
tokens = c["batch"] * c["seq"] * c["dp"]
assert abs(p["tokens_per_s"] - tokens / point["step_time_s"]["p50"]) <= 1e-9 * p["tokens_per_s"]
PY
  done
  # Under mpirun the first process reports a sweep alone: the same bytes.
  mpi 2 "$flopwall" report s.h5 --format json >r_np2.json
  cmp -s r.json r_np2.json || fail "mpirun -np 2 report differs: $(diff r.json r_np2.json | head -5)"
  "$flopwall" report s.h5 >r.txt
  grep -q "^knee       batch " r.txt && grep -q "<- knee" r.txt || fail "text lacks the knee: $(cat r.txt)"
  grep -q "^SLO        step p99 <= " r.txt || fail "text lacks the SLO line: $(cat r.txt)"
  "$flopwall" report s.h5 --format csv >r.csv
  grep -q ",sweep,all,knee," r.csv && grep -q ",sweep,4,tokens_per_s," r.csv || fail "csv lacks the sweep rows: $(head -5 r.csv)"
  # An SLO no point meets.
  mpi 2 "$flopwall" sweep --param batch --values 1,2 --slo-p99-ms 0.000001 -- "${tiny[@]}" --out s2.h5
  "$flopwall" report s2.h5 --format json >r2.json
  json_check r2.json 'r["sweep"]["slo_max"] is None and r["sweep"]["knee"] in (1, 2)'
  # A point outside the file, and --point on a run trace (checked from a folder of their own: no file is left there).
  mpi 1 "$flopwall" run "${tiny[@]}" --out run.h5
  mkdir refusals && cd refusals
  expect_usage_error "--point 2 is not in '../s2.h5'; valid: 0 .. 1" "$flopwall" report ../s2.h5 --point 2
  expect_usage_error "is not a workload sweep trace" "$flopwall" report ../run.h5 --point 0
  ;;
sweep_tp)
  # The layout changes per point: tp 1 runs two replicas without a TP allreduce, tp 2 one replica with it.
  mpi 2 "$flopwall" sweep --param tp --values 1,2 -- "${tiny[@]}" --out s.h5
  "$flopwall" report s.h5 --point 0 --format json >p0.json
  "$flopwall" report s.h5 --point 1 --format json >p1.json
  json_check p0.json 'r["config"]["tp"] == 1 and r["config"]["dp"] == 2 and not any(o["kind"] == "comm" for o in r["ops"])'
  json_check p1.json 'r["config"]["tp"] == 2 and r["config"]["dp"] == 1 and any(o["kind"] == "comm" for o in r["ops"])'
  "$flopwall" report s.h5 --format json >r.json
  json_check r.json '[p["value"] for p in r["sweep"]["points"]] == [1, 2]'
  ;;
sweep_serve)
  # Serve mode: the latency is the request latency, the throughput output tokens/s.
  mpi 2 "$flopwall" sweep --param kv-hit --values 0,0.5 -- "${tiny[@]}" --mode serve --prompt-len 16 \
    --decode-steps 2 --out s.h5
  "$flopwall" report s.h5 --format json >r.json
  "$flopwall" report s.h5 --point 1 --format json >p1.json
  json_check r.json 'r["sweep"]["latency"] == "request_latency" and [p["value"] for p in r["sweep"]["points"]] == [0, 0.5]'
  "$python" - p1.json r.json <<'PY' || fail "the kv-hit 0.5 point differs from its serve report"
import json, sys
point, sweep = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
p = sweep["sweep"]["points"][1]
assert p["p50_s"] == point["serve"]["request_latency_s"]["p50"] and p["p99_s"] == point["serve"]["request_latency_s"]["p99"]
assert p["tokens_per_s"] == point["serve"]["tokens_per_s"]
PY
  ;;
sweep_bad_input)
  # Refusals of the sweep's own options come before the first point: one rank
  # (a singleton, no mpirun) says them as every rank of a job would.
  alone() { "$flopwall" sweep "$@"; }
  run_sweep() { mpi 2 "$flopwall" sweep "$@"; }
  expect_usage_error "--param 'colour' is not a sweep parameter; valid: batch, seq, hidden, ffn, tp, ep, experts, topk, prompt-len, kv-hit" \
    run_sweep --param colour --values 1,2 -- "${tiny[@]}" --out s.h5
  expect_usage_error "flopwall sweep needs --param" alone --values 1,2 -- --out s.h5
  expect_usage_error "flopwall sweep needs --values" alone --param batch -- --out s.h5
  expect_usage_error "--values '1,,2' has an empty entry" alone --param batch --values 1,,2 -- --out s.h5
  expect_usage_error "--values entry 'two' is not a number" alone --param batch --values 1,two -- --out s.h5
  expect_usage_error "--values lists 2 twice" alone --param batch --values 1,2,2 -- --out s.h5
  expect_usage_error "a sweep runs at most 64" alone --param batch --values "$(seq -s, 1 65)" -- --out s.h5
  expect_usage_error "--slo-p99-ms 0 is not valid" alone --param batch --values 1 --slo-p99-ms 0 -- --out s.h5
  expect_usage_error "--batch is what the sweep varies" alone --param batch --values 1,2 -- --batch 4 --out s.h5
  expect_usage_error "unexpected argument 'extra'" alone --param batch --values 1 extra -- --out s.h5
  expect_usage_error "--kv-hit 1.5 is not valid" alone --param kv-hit --values 0,1.5 -- "${tiny[@]}" --mode serve \
    --prompt-len 16 --decode-steps 2 --out s.h5
  # Values the job refuses, before any point runs: tp 3 does not divide 2 ranks or 4 heads; topk 8 > 4 experts.
  expect_usage_error "--tp 3" run_sweep --param tp --values 1,3 -- "${tiny[@]}" --out s.h5
  expect_usage_error "--moe-topk" run_sweep --param topk --values 2,8 -- "${tiny[@]}" --tp 1 --moe-experts 4 --ep 2 --out s.h5
  ;;
*)
  fail "unknown case"
  ;;
esac
echo "PASS [$case_name]"
