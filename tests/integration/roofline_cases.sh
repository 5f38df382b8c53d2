#!/usr/bin/env bash
# The report's roofline section end to end, one case per ctest entry:
#   roofline_cases.sh CASE FLOPWALL MPIEXEC SET_TRACE_ATTRIBUTE
# A tiny 2-rank run, then a calibration_json put into its /meta as flopwall
# stores /meta keys (a fixed-length string attribute: h5py when importable,
# else tests/tools/set_trace_attribute), then `flopwall report`.
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 set_attribute=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
mpi() { local np=$1; shift; timeout 120 "$mpiexec" -q -np "$np" --oversubscribe "$@"; }
# json_check FILE EXPR...: each a Python expression over the report `r`, in one interpreter.
json_check() {
  local failed
  failed=$(python3 - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for expr in sys.argv[2:]:
    try:
        ok = eval(expr)
    except Exception as e:
        ok = False
    if not ok:
        print(expr)
        break
PY
) || fail "json: cannot read $1"
  [[ -z $failed ]] || fail "json: $failed ($(head -c 600 "$1"))"
}
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the JSON report"; exit 77; }

run_tiny() { mpi 2 "$flopwall" run --model tiny --iters 5 --warmup 1 --quiet --out run.h5; }

# /meta calibration_json := the contents of file $1.
put_calibration() {
  if python3 -c "import h5py" 2>/dev/null; then
    python3 - "$1" <<'PY'
import h5py, numpy, sys
value = open(sys.argv[1], "rb").read()
with h5py.File("run.h5", "r+", libver=("v110", "latest")) as f:
    meta = f["meta"]
    if "calibration_json" in meta.attrs: del meta.attrs["calibration_json"]
    # As flopwall writes strings: fixed length, UTF-8, the value's size.
    meta.attrs.create("calibration_json", numpy.frombuffer(value, dtype=f"S{len(value)}")[0],
                      dtype=h5py.string_dtype("utf-8", len(value)))
PY
  elif [[ -x $set_attribute ]]; then
    "$set_attribute" run.h5 /meta calibration_json "$1"
  else
    echo "SKIP: neither h5py nor set_trace_attribute can write /meta"; exit 77
  fi
}

# /meta calibration_json removed: a trace written before runs stored one.
drop_calibration() {
  if python3 -c "import h5py" 2>/dev/null; then
    python3 -c 'import h5py; f = h5py.File("run.h5", "r+"); del f["meta"].attrs["calibration_json"]; f.close()'
  elif [[ -x $set_attribute ]]; then
    "$set_attribute" run.h5 /meta calibration_json --delete
  else
    echo "SKIP: neither h5py nor set_trace_attribute can write /meta"; exit 77
  fi
}

# Ranks 0 and 1: 100 GFLOP/s fp32, 20 GB/s (ridge 5 FLOP/B), 2 us per op;
# a world tier and an intra tier (both ranks run on this host).
calibration() {
  local gemm=$1
  cat <<JSON
{"version": 1, "source": "file", "file": "cal.json", "created_utc": "2026-12-06T16:30:00Z", "backend": "cpu",
 "devices": [
  {"rank": 0, "host": "h", "threads": 1, "gemm_flops": {$gemm}, "gemm_n": 256, "mem_bw_bytes_per_s": 2.0e10,
   "triad_bytes": 1048576, "op_overhead_s": 2.0e-6},
  {"rank": 1, "host": "h", "threads": 1, "gemm_flops": {$gemm}, "gemm_n": 256, "mem_bw_bytes_per_s": 2.0e10,
   "triad_bytes": 1048576, "op_overhead_s": 2.0e-6}],
 "tiers": [
  {"tier": "world", "ranks": 2, "collective": "allreduce", "alpha_s": 5.0e-5, "beta_s_per_byte": 1.0e-9,
   "busbw_bytes_per_s": 1.0e9},
  {"tier": "intra", "ranks": 2, "collective": "allreduce", "alpha_s": 3.0e-6, "beta_s_per_byte": 2.5e-10,
   "busbw_bytes_per_s": 4.0e9}]}
JSON
}

case $case_name in
calibrated)
  run_tiny
  calibration '"fp32": 1.0e11, "fp64": 5.0e10' >cal.json
  put_calibration cal.json
  "$flopwall" report run.h5 --format json >r.json
  "$flopwall" report run.h5 >r.txt
  # Every op carries the three keys; compute ops sit on the FLOP roof.
  # qkv_proj: 2·128·384·256 FLOPs over (128·256 + 256·384 + 128·384)·4 bytes = 34.9 FLOP/B, past the ridge.
  # Memory ops: intensity 0, judged against the bandwidth.
  # Comm ops: the intra tier (one host); 131072 bus bytes / 4 GB/s = 32.8 us > alpha 3 us.
  json_check r.json \
    'r["roofline"]["calibrated"] and r["roofline"]["source"] == "file" and r["roofline"]["dtype"] == "fp32"' \
    'abs(r["roofline"]["peak_flops_per_s"] - 1e11) < 1 and abs(r["roofline"]["ridge_flops_per_byte"] - 5) < 1e-12' \
    'all(k in o for o in r["ops"] for k in ("intensity", "bound", "pct_of_ceiling"))' \
    'all(o["bound"] in ("compute", "memory", "communication", "latency") for o in r["ops"])' \
    'all(o["pct_of_ceiling"] > 0 for o in r["ops"])' \
    '[o for o in r["ops"] if o["name"] == "qkv_proj"][0]["bound"] == "compute"' \
    'abs([o for o in r["ops"] if o["name"] == "qkv_proj"][0]["intensity"] - 25165824 / 720896) < 1e-9' \
    'all(abs(o["pct_of_ceiling"] - o["gflops_per_s"] * 1e9 / 1e11 * 100) < 1e-6 * o["pct_of_ceiling"] for o in r["ops"] if o["bound"] == "compute")' \
    'all(o["intensity"] == 0 and o["bound"] in ("memory", "latency") for o in r["ops"] if o["kind"] == "memory")' \
    'all(abs(o["pct_of_ceiling"] - o["mem_gbytes_per_s"] * 1e9 / 2e10 * 100) < 1e-6 * o["pct_of_ceiling"] for o in r["ops"] if o["bound"] == "memory")' \
    'all(o["intensity"] is None and o["bound"] == "communication" for o in r["ops"] if o["kind"] == "comm")' \
    'all(x["tier"] == "intra" and abs(x["ceiling"] - (3e-6 + 131072 / 4e9)) < 1e-15 for x in r["roofline"]["ops"] if x["kind"] == "comm")'
  grep -q "^roofline (ceilings from the calibration, source 'file', fp32" r.txt || fail "text lacks the roofline header: $(cat r.txt)"
  grep -Eq "^qkv_proj +compute .* compute$" r.txt || fail "text lacks qkv_proj's bound: $(grep qkv_proj r.txt)"
  "$flopwall" report run.h5 --format csv >r.csv
  grep -Eq "^run\.h5,[a-z]+,2,tiny,roofline,qkv_proj,bound_compute,1$" r.csv || fail "csv lacks the bound row"
  ;;
not_calibrated)
  run_tiny
  drop_calibration
  "$flopwall" report run.h5 --format json >r.json
  "$flopwall" report run.h5 >r.txt
  # Intensity needs no calibration.
  json_check r.json \
    'not r["roofline"]["calibrated"] and r["roofline"]["peak_flops_per_s"] is None' \
    'all(o["bound"] is None and o["pct_of_ceiling"] is None for o in r["ops"])' \
    'all(o["intensity"] > 0 for o in r["ops"] if o["kind"] == "compute")'
  grep -q "^roofline: not calibrated (this trace has no calibration" r.txt || fail "text does not say not calibrated"
  grep -Eq "^mlp_up +compute .*not calibrated" r.txt || fail "op rows do not say not calibrated"
  ;;
dtype_missing)
  # A calibration without the run's dtype: compute and memory ops are not
  # calibrated, comm ops still are.
  run_tiny
  calibration '"fp64": 5.0e10' >cal.json
  put_calibration cal.json
  "$flopwall" report run.h5 --format json >r.json
  json_check r.json \
    'r["roofline"]["calibrated"] and "no fp32 GEMM" in r["roofline"]["devices_not_calibrated"]' \
    'all(o["bound"] is None for o in r["ops"] if o["kind"] != "comm")' \
    'all(o["bound"] == "communication" for o in r["ops"] if o["kind"] == "comm")'
  "$flopwall" report run.h5 >r.txt
  grep -q "compute and memory ops: not calibrated (the calibration cannot serve: it has no fp32" r.txt ||
    fail "text does not say why: $(cat r.txt)"
  ;;
*) fail "unknown case" ;;
esac
