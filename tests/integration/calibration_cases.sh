#!/usr/bin/env bash
# `flopwall calibrate` and the calibration `flopwall run` stores, end to end,
# one case per ctest entry:
#   calibration_cases.sh CASE FLOPWALL MPIEXEC [PYTHON]
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 python=${4:-python3}
case_timeout=60
source "$(dirname "$0")/case_lib.sh"
# A short calibration: seconds are the device budget per rank.
calibrate() { mpi "$1" "$flopwall" calibrate --backend cpu --seconds 0.3 "${@:2}"; }
run_tiny() { mpi 2 "$flopwall" run --backend cpu --model tiny --iters 2 --warmup 1 --quiet "$@"; }
# The trace's /meta calibration_json, as a file (h5dump prints it on one line with -w 0).
trace_calibration() {
  h5dump -w 0 -a /meta/calibration_json "$1" |
    "$python" -c "import sys; t=sys.stdin.read(); i=t.index('(0): \"')+6; sys.stdout.write(t[i:t.rindex('\"')].replace('\\\\\"', '\"'))" >"$2"
}
# The schema's checks shared by every case: types, order, positive figures.
schema_check() {
  "$python" - "$1" "$2" "$3" <<'PY' || fail "schema: $(head -c 1500 "$1")"
import json, math, sys
c, ranks, source = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
assert c["version"] == 1 and c["source"] == source and c["backend"] == "cpu", c
assert len(c["created_utc"]) == 20 and c["created_utc"].endswith("Z")
assert [d["rank"] for d in c["devices"]] == list(range(ranks))
for d in c["devices"]:
    assert d["host"] and d["threads"] == 1 and d["gemm_n"] >= 64
    assert d["gemm_flops"] and all(math.isfinite(v) and v > 0 for v in d["gemm_flops"].values())
    assert d["mem_bw_bytes_per_s"] > 0 and d["triad_bytes"] > 0 and d["op_overhead_s"] > 0
    # Plausible: no core does a PFLOP/s or streams a PB/s, and no op takes a second.
    assert max(d["gemm_flops"].values()) < 1e15 and d["mem_bw_bytes_per_s"] < 1e15 and d["op_overhead_s"] < 1
tiers = c["tiers"]
assert [(t["tier"], t["collective"]) for t in tiers] == ([("world", "allreduce"), ("world", "alltoall")] if ranks > 1 else []), tiers
for t in tiers:
    assert t["ranks"] == ranks and t["alpha_s"] >= 0 and t["alpha_s"] < 1
    assert t["beta_s_per_byte"] >= 0 and t["busbw_bytes_per_s"] >= 0
PY
}
# The GEMM rate stays under the theoretical peak the machine description
# estimates (peak_estimate.hpp), where the trace's report gives one.
below_peak() {
  "$flopwall" report "$2" --format json >r.json 2>/dev/null || return 0
  "$python" - "$1" r.json <<'PY' || fail "a GEMM rate above the estimated peak"
import json, sys
c, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
peaks = {}
def walk(x):
    if isinstance(x, dict):
        if "dtype" in x and "flops_per_s" in x and "formula" in x: peaks.setdefault(x["dtype"], x["flops_per_s"])
        for v in x.values(): walk(v)
    elif isinstance(x, list):
        for v in x: walk(v)
walk(r)
for d in c["devices"]:
    for dtype, flops in d["gemm_flops"].items():
        if dtype in peaks and peaks[dtype] > 0: assert flops <= 1.05 * peaks[dtype], (dtype, flops, peaks[dtype])
PY
}
# Bad input: exit 2, one line naming the value, no file left.
refused() {
  local out=$1 what=$2; shift 2
  set +e; "$@" >out.txt 2>err.txt; local rc=$?; set -e
  [[ $rc == 2 ]] || fail "$what: exit $rc, not 2 ($(cat err.txt))"
  [[ ! -e $out ]] || fail "$what: left $out behind"
  [[ ! -e $out.partial ]] || fail "$what: left $out.partial behind"
  [[ $(grep -c . err.txt) == 1 ]] || fail "$what: not one line: $(cat err.txt)"
}

case $case_name in
calibrate_two_ranks)
  calibrate 2 --out x.json >summary.txt 2>log.txt || fail "calibrate: $(cat log.txt)"
  schema_check x.json 2 calibrate
  "$python" -c "import json; d=json.load(open('x.json'))['devices'][0]; assert sorted(d['gemm_flops']) == ['fp32', 'fp64'], d"
  grep -q "rank 1" summary.txt || fail "summary: $(cat summary.txt)"
  grep -q "tier world (2 ranks): allreduce alpha" summary.txt || fail "summary: $(cat summary.txt)"
  # One rank: the devices alone, no tier; one dtype when asked.
  calibrate 1 --out one.json --dtype fp32 >/dev/null 2>&1 || fail "calibrate -np 1"
  schema_check one.json 1 calibrate
  "$python" -c "import json; assert list(json.load(open('one.json'))['devices'][0]['gemm_flops']) == ['fp32']"
  ;;
run_stores_short)
  run_tiny --out run.h5 2>log.txt || fail "run: $(cat log.txt)"
  trace_calibration run.h5 cal.json
  schema_check cal.json 2 run-short
  # The short form measures the run's dtype only, within its smaller GEMM.
  "$python" -c "import json; d=json.load(open('cal.json'))['devices']; assert all(list(x['gemm_flops']) == ['fp32'] and x['gemm_n'] <= 1024 for x in d), d"
  below_peak cal.json run.h5
  run_tiny --out run64.h5 --dtype fp64 2>/dev/null || fail "run fp64"
  trace_calibration run64.h5 cal64.json
  "$python" -c "import json; assert list(json.load(open('cal64.json'))['devices'][0]['gemm_flops']) == ['fp64']"
  ;;
run_stores_file)
  calibrate 2 --out x.json --dtype fp32 >/dev/null 2>&1 || fail "calibrate"
  run_tiny --out run.h5 --calibration x.json 2>log.txt || fail "run --calibration: $(cat log.txt)"
  trace_calibration run.h5 stored.json
  "$python" - x.json stored.json <<'PY' || fail "stored calibration differs from the file"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert b["source"] == "file" and b["file"] == "x.json", b
for k in ("devices", "tiers", "created_utc", "backend"): assert a[k] == b[k], k
PY
  ;;
bad_calibrate)
  # Parse errors on one process (no mpirun: faster); one agreed refusal on two ranks.
  one() { "$flopwall" calibrate --backend cpu "$@"; }
  refused x.json "--seconds 0" one --out x.json --seconds 0
  refused x.json "--seconds nan" one --out x.json --seconds nan
  refused x.json "--dtype bogus" one --out x.json --dtype fp32,bogus
  refused x.json "--dtype ,," one --out x.json --dtype ,
  refused x.json "--threads 0" one --out x.json --threads 0
  refused x.json "--backend tpu" "$flopwall" calibrate --out x.json --backend tpu
  refused x.json "a positional word" one --out x.json extra
  mkdir d
  refused d/x.json "--out a directory" one --out d
  echo keep >old.json
  refused none "an existing --out" one --out old.json
  [[ $(cat old.json) == keep ]] || fail "an existing file was changed"
  refused x.json "--dtype fp16 on cpu" calibrate 2 --out x.json --dtype fp16
  ;;
bad_run_calibration)
  "$flopwall" calibrate --backend cpu --seconds 0.2 --out one.json --dtype fp32 >/dev/null 2>&1 || fail "calibrate"
  echo '{"version": 1' >notjson.json
  "$python" -c "import json; c=json.load(open('one.json')); c['devices'][0]['mem_bw_bytes_per_s']=-1; json.dump(c, open('schema.json','w'))"
  one() { "$flopwall" run --backend cpu --model tiny --iters 2 --warmup 1 --quiet "$@"; }
  refused run.h5 "missing file" one --out run.h5 --calibration nothere.json
  refused run.h5 "a directory" one --out run.h5 --calibration .
  refused run.h5 "not JSON" one --out run.h5 --calibration notjson.json
  grep -q "not JSON" err.txt || fail "message: $(cat err.txt)"
  refused run.h5 "wrong schema" one --out run.h5 --calibration schema.json
  grep -q "mem_bw_bytes_per_s" err.txt || fail "message: $(cat err.txt)"
  refused run.h5 "dtype not measured" one --out run.h5 --dtype fp64 --calibration one.json
  grep -q "no fp64 GEMM rate" err.txt || fail "message: $(cat err.txt)"
  refused run.h5 "empty --calibration" one --out run.h5 --calibration ''
  refused run.h5 "wrong world size" run_tiny --out run.h5 --calibration one.json
  grep -q "1 ranks; this job has 2" err.txt || fail "message: $(cat err.txt)"
  ;;
*) fail "unknown case" ;;
esac
echo "PASS [$case_name]"
