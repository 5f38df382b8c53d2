#!/usr/bin/env bash
# End-to-end checks of `flopwall compare`, one case per ctest entry:
#   compare_cases.sh CASE FLOPWALL MPIEXEC SYNTHETIC [PYTHON]
# SYNTHETIC is bench/synthetic_trace.cpp's generator: traces with a known
# jitter (±3%) and, with --slowdown, a known slowdown of every op.
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 synthetic=$4 python=${5:-python3}
case_timeout=150
source "$(dirname "$0")/case_lib.sh"
tiny=(--model tiny --layers 1 --iters 12 --warmup 2 --quiet)
synth() { "$synthetic" --ranks 8 --tp 4 --events 3000 "$@" >/dev/null; }

case $case_name in
compare_gate)
  # Three draws of the same job; the third 20% slower in every op.
  synth --seed 1 --out base.h5
  synth --seed 2 --out noise.h5
  synth --seed 3 --slowdown 0.2 --out slow.h5
  # Noise only: nothing significant, the gate passes.
  "$flopwall" compare base.h5 noise.h5 --fail-if-slower 10 --format json >noise.json ||
    fail "the gate failed on noise alone: $(head -c 2000 noise.json)"
  json_check noise.json 'r["regressions"] == [] and r["fail_if_slower"] == 0.1'
  json_check noise.json 'not any(row["significant"][1] for row in r["rows"] if row["gated"])'
  json_check noise.json 'all(row["ci"][1][0] <= row["ratio"][1] <= row["ci"][1][1] for row in r["rows"] if row["gated"])'
  # A known 20% slowdown: flagged, the gate exits 1, the step's ratio near 1.2.
  rc=0
  "$flopwall" compare base.h5 slow.h5 --fail-if-slower 10 --format json >slow.json || rc=$?
  [[ $rc -eq 1 ]] || fail "the gate exited $rc on a 20% slowdown (want 1)"
  json_check slow.json 'any(g["key"] == "step" and g["metric"] == "p50_s" and g["file"] == "slow.h5" for g in r["regressions"])'
  json_check slow.json 'all(1.15 < row["ratio"][1] < 1.25 and row["significant"][1] for row in r["rows"] if row["key"] == "step" and row["metric"] == "p50_s")'
  # The same slowdown under a looser gate passes; without a gate it only reports.
  "$flopwall" compare base.h5 slow.h5 --fail-if-slower 30 >/dev/null || fail "a 20% slowdown failed a 30% gate"
  "$flopwall" compare base.h5 slow.h5 >slow.txt || fail "compare without a gate exited non-zero"
  grep -q "slower" slow.txt || fail "the text report does not say slower: $(cat slow.txt)"
  grep -q "percentile bootstrap" slow.txt || fail "the text report does not print the method"
  # --baseline: the slow run as baseline makes the others faster, and is listed first.
  "$flopwall" compare base.h5 --baseline slow.h5 --format json >b.json
  json_check b.json 'r["baseline"] == 0 and r["runs"][0]["file"] == "slow.h5" and r["rows"][0]["ratio"][1] < 0.9'
  # CSV: one line per (row, run), the same figures as JSON.
  "$flopwall" compare base.h5 slow.h5 --format csv >slow.csv
  "$python" - slow.csv slow.json <<'PY' || fail "CSV and JSON differ"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
j = json.load(open(sys.argv[2]))
assert len(rows) == 2 * len(j["rows"]), (len(rows), len(j["rows"]))
for k, row in enumerate(j["rows"]):
    for r in range(2):
        c = rows[2 * k + r]
        assert c["key"] == row["key"] and c["metric"] == row["metric"]
        assert abs(float(c["value"]) - row["values"][r]) <= 1e-8 * abs(row["values"][r])
        assert (c["significant"] == "1") == row["significant"][r]
PY
  ;;

compare_runs)
  # The step p50 equals the report's; world sizes differ with the same work
  # (tp 1 on one rank, tp 2 on two): strong scaling, and what differs says so.
  mpi 1 "$flopwall" run "${tiny[@]}" --tp 1 --out one.h5
  mpi 2 "$flopwall" run "${tiny[@]}" --tp 2 --out two.h5
  "$flopwall" compare one.h5 two.h5 --format json >c.json
  "$flopwall" report two.h5 --format json >two.json
  "$python" - c.json two.json <<'PY' || fail "compare's step figures differ from the report's"
import json, sys
c, rep = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
row = lambda key, metric: next(x for x in c["rows"] if x["key"] == key and x["metric"] == metric)
p50 = row("step", "p50_s")["values"][1]
assert abs(p50 - rep["step_time_s"]["p50"]) <= 1e-9 * p50, (p50, rep["step_time_s"])
tf = row("step", "tflops_per_rank")["values"][1]
assert abs(tf - rep["tflops_per_rank"]) <= 1e-6 * tf, (tf, rep["tflops_per_rank"])
assert c["scaling"]["mode"] == "strong", c["scaling"]
one = row("step", "p50_s")["values"][0]
assert abs(c["scaling"]["efficiency"][1] - one / (2 * p50)) <= 1e-9, c["scaling"]
diffs = {d["what"]: d["values"] for d in c["differences"]}
assert diffs["world_size"] == ["1", "2"] and diffs["config.tp"] == ["1", "2"], diffs
assert all(any(x["key"] == f"op/{n}" for x in c["rows"]) for n in ("qkv_proj", "mlp_up")), "op rows missing"
PY
  # Collective sweeps compare per size; a workload sweep per point.
  mpi 2 "$flopwall" collectives -b 8 -e 64K -f 32 -n 8 -w 2 --out c1.h5 >/dev/null
  mpi 2 "$flopwall" collectives -b 8 -e 64K -f 32 -n 8 -w 2 --out c2.h5 >/dev/null
  "$flopwall" compare c1.h5 c2.h5 --format json >coll.json
  json_check coll.json '{x["key"] for x in r["rows"] if x["metric"] == "time_s"} == {f"coll/allreduce/world/{n}/{f}" for n in (8, 256, 8192) for f in ("in", "out")}'
  json_check coll.json 'all(x["values"][0] > 0 for x in r["rows"] if x["metric"] == "busbw_gbs")'
  mpi 2 "$flopwall" sweep --param batch --values 1,2 -- "${tiny[@]}" --out s.h5
  "$flopwall" compare s.h5 s.h5 --format json >/dev/null 2>&1 && fail "the same file twice was accepted"
  cp s.h5 s2.h5
  "$flopwall" compare s.h5 s2.h5 --format json >sw.json
  json_check sw.json '{"batch=1/step", "batch=2/step"} <= {x["key"] for x in r["rows"]}'
  json_check sw.json 'all(x["ratio"][1] == 1 and not x["significant"][1] for x in r["rows"] if x["gated"])'
  ;;

compare_bad_input)
  mkdir fixtures
  synth --seed 1 --out fixtures/a.h5
  expect_usage_error "two or more trace files" "$flopwall" compare fixtures/a.h5
  expect_usage_error "two or more trace files" "$flopwall" compare
  expect_usage_error "given twice" "$flopwall" compare fixtures/a.h5 fixtures/a.h5
  expect_usage_error "--format 'html'" "$flopwall" compare fixtures/a.h5 fixtures/a.h5 --format html
  expect_usage_error "--fail-if-slower -5" "$flopwall" compare fixtures/a.h5 --baseline x.h5 --fail-if-slower -5
  expect_usage_error "--noise 200" "$flopwall" compare fixtures/a.h5 --baseline x.h5 --noise 200
  expect_usage_error "missing.h5" "$flopwall" compare fixtures/a.h5 fixtures/missing.h5
  head -c 4096 fixtures/a.h5 >fixtures/cut.h5
  expect_usage_error "cut.h5" "$flopwall" compare fixtures/a.h5 fixtures/cut.h5
  expect_usage_error "unrecognised option" "$flopwall" compare fixtures/a.h5 fixtures/a.h5 --bogus
  ;;

*) fail "unknown case" ;;
esac
echo "PASS [$case_name]"
