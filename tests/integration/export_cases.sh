#!/usr/bin/env bash
# End-to-end checks of `flopwall export --format chrome`, one case per ctest entry:
#   export_cases.sh CASE FLOPWALL MPIEXEC SYNTHETIC [PYTHON]
# Every export is checked by tests/tools/check_chrome_trace.py, which reads
# the JSON as a timeline viewer does and the trace with h5py on its own.
# SYNTHETIC is bench/synthetic_trace.cpp's generator (tensor-parallel ranks
# whose collectives end together, as in a real run).
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 synthetic=$4 python=${5:-python3}
case_timeout=120
here=$(cd "$(dirname "$0")" && pwd)
checker=$here/../tools/check_chrome_trace.py
# shellcheck source-path=SCRIPTDIR source=case_lib.sh
source "$here/case_lib.sh"  # a fresh working folder, fail, mpi, json_check

# check EXPORT TRACE [checker args...]: the export passes the checker.
check() {
  "$python" "$checker" "$@" >check.txt || fail "check_chrome_trace $*: $(head -c 3000 check.txt)"
}
# export_ok OUT TRACE [export args...]: writes OUT, says so on stderr, leaves nothing else.
export_ok() {
  local out=$1 trace=$2
  shift 2
  "$flopwall" export "$trace" --format chrome --out "$out" "$@" 2>err.txt || fail "export $trace $*: $(cat err.txt)"
  grep -qF "flopwall: wrote $out (" err.txt || fail "export $trace $* did not name $out: $(cat err.txt)"
  [[ -z $(find . -name '*.tmp') ]] || fail "a temporary file is left: $(find . -name '*.tmp')"
}
# refused FRAGMENT CMD...: exit 2, one line on stderr holding FRAGMENT,
# nothing on stdout, and no file left beside the inputs.
refused() {
  local fragment=$1 rc=0
  shift
  local before
  before=$(find . -type f ! -name 'out.txt' ! -name 'err.txt' | sort)
  "$@" >out.txt 2>err.txt || rc=$?
  [[ $rc -eq 2 ]] || fail "exit code $rc (want 2) for: $* ; stderr: $(cat err.txt)"
  [[ $(wc -l <err.txt) -eq 1 ]] || fail "stderr is not one line for: $* : $(cat err.txt)"
  grep -qF -- "$fragment" err.txt || fail "stderr lacks '$fragment' for: $* : $(cat err.txt)"
  [[ ! -s out.txt ]] || fail "printed something for: $* : $(head -c 300 out.txt)"
  [[ $(find . -type f ! -name 'out.txt' ! -name 'err.txt' | sort) == "$before" ]] ||
    fail "left files behind for: $* : $(diff <(echo "$before") <(find . -type f ! -name 'out.txt' ! -name 'err.txt' | sort) | tr '\n' ' ')"
  rm -f out.txt err.txt
}
synth() { "$synthetic" --ranks 8 --tp 4 --events 3000 "$@" >/dev/null; }

case $case_name in
export_run)
  # A real two-rank run with clock resynchronization every 4 iterations:
  # exported whole (to the default name) and in windows of iterations.
  mpi 2 "$flopwall" run --model tiny --layers 1 --iters 12 --warmup 2 --resync-every 4 --quiet --out run.h5
  "$flopwall" export run.h5 2>err.txt || fail "export run.h5: $(cat err.txt)"
  grep -qF "flopwall: wrote run.trace.json (" err.txt || fail "the default output is not run.trace.json: $(cat err.txt)"
  check run.trace.json run.h5
  grep -qF ", 6 clock syncs" check.txt || fail "the clock estimates (iterations 0, 4, 8 on 2 ranks) are not all shown: $(cat check.txt)"
  json_check run.trace.json 'r["otherData"]["world_size"] == 2 and r["otherData"]["iterations"] == "0:"'
  json_check run.trace.json 'r["displayTimeUnit"] == "ns" and any(e["ph"] == "f" for e in r["traceEvents"])'
  for iters in 3:9 :5 8: 11:12; do
    export_ok "w$iters.json" run.h5 --iters "$iters"
    check "w$iters.json" run.h5 --iters "$iters"
  done
  json_check w3:9.json 'r["otherData"]["iterations_written"] == [3, 8]'
  # Standard output: the same document, nothing on stderr, no file.
  "$flopwall" export run.h5 --out - >stdout.json 2>err.txt || fail "--out - failed: $(cat err.txt)"
  [[ ! -s err.txt ]] || fail "--out - wrote on stderr: $(cat err.txt)"
  cmp -s stdout.json run.trace.json || fail "--out - differs from the file export"
  # An existing export is replaced whole.
  export_ok run.trace.json run.h5 --iters 0:2
  check run.trace.json run.h5 --iters 0:2
  ;;

export_synthetic)
  # Eight ranks in two TP groups of four: flows with start, steps and finish.
  synth --out syn.h5
  export_ok syn.json syn.h5
  check syn.json syn.h5
  grep -qE "^ok: 23744 events on 8 ranks, [1-9][0-9]* collective instances linked" check.txt ||
    fail "unexpected totals: $(cat check.txt)"
  json_check syn.json 'sum(e["ph"] == "t" for e in r["traceEvents"]) == 2 * sum(e["ph"] == "s" for e in r["traceEvents"])'
  export_ok mid.json syn.h5 --iters 10:20
  check mid.json syn.h5 --iters 10:20
  # A selection past the last iteration: an empty timeline, said on stderr.
  "$flopwall" export syn.h5 --iters 1000: --out none.json 2>err.txt || fail "an empty selection failed: $(cat err.txt)"
  grep -qF "hold no events" err.txt || fail "an empty selection is not reported: $(cat err.txt)"
  check none.json syn.h5 --iters 1000:
  json_check none.json 'r["otherData"]["events"] == 0 and not any(e["ph"] == "X" for e in r["traceEvents"])'
  ;;

export_sweeps)
  # A collective sweep restarts its iterations at every size: filtered row
  # by row, never cut short. A workload sweep exports one point at a time.
  mpi 2 "$flopwall" collectives --backend cpu -b 8 -e 4K -n 5 -w 1 --out coll.h5 >/dev/null
  export_ok coll.json coll.h5
  check coll.json coll.h5
  export_ok coll24.json coll.h5 --iters 2:4
  check coll24.json coll.h5 --iters 2:4
  mpi 2 "$flopwall" sweep --param batch --values 1,2 -- --model tiny --layers 1 --iters 3 --warmup 0 --quiet \
    --out points.h5 2>/dev/null
  "$flopwall" export points.h5 --point 1 2>err.txt || fail "export --point 1: $(cat err.txt)"
  grep -qF "wrote points.point1.trace.json" err.txt || fail "a point's default name: $(cat err.txt)"
  check points.point1.trace.json points.h5 --point 1
  json_check points.point1.trace.json 'r["otherData"]["point"] == 1 and r["otherData"]["point_value"] == "2"'
  refused "is a workload sweep of 2 points" "$flopwall" export points.h5
  refused "--point 2 is not in 'points.h5'" "$flopwall" export points.h5 --point 2
  ;;

export_overlap)
  # What a CPU run never writes but a GPU's streams or a foreign file may:
  # on rank 0, a compute slice running into the next one (an overflow lane)
  # and one holding the next (nesting, same lane); on rank 1, iterations
  # swapped in its first and second stored chunks (rows out of order: that
  # rank is filtered row by row, whatever the bisection found); on rank 2,
  # a first op starting 2.5 us before the origin (every time shifted, as
  # Perfetto drops what lies before 0).
  "$synthetic" --ranks 4 --tp 4 --events 40000 --out syn.h5 >/dev/null
  "$python" - <<'PY' || fail "could not edit the trace"
import h5py
with h5py.File("syn.h5", "r+") as f:
    kinds = [k.decode() for k in f["ops"]["kind"]]
    n = len(kinds)
    computes = [k for k in range(n - 1) if kinds[k] == "compute" and kinds[k + 1] == "compute"]
    ev = f["ranks/00000/events"]
    rows = ev[5 * n:7 * n]
    a = computes[0]
    rows[a]["t_end_ns"] = (rows[a + 1]["t_start_ns"] + rows[a + 1]["t_end_ns"]) // 2       # overlaps the next
    rows[n + a]["t_end_ns"] = rows[n + a + 1]["t_end_ns"] + 5                               # holds the next
    ev[5 * n:7 * n] = rows
    ev = f["ranks/00001/events"]
    for it in (30, 500):
        rows = ev[it * n:(it + 2) * n]
        ev[it * n:(it + 2) * n] = list(rows[n:]) + list(rows[:n])
    ev = f["ranks/00002/events"]
    row = ev[0]
    row["t_start_ns"] = -2500
    ev[0] = row
PY
  export_ok all.json syn.h5
  grep -qF "times shifted by 2500 ns" err.txt || fail "the shift is not reported: $(cat err.txt)"
  check all.json syn.h5
  json_check all.json 'r["otherData"]["ts_offset_ns"] == 2500'
  json_check all.json 'next(e for e in r["traceEvents"] if e["ph"] == "X" and e["pid"] == 3)["ts"] == 0'
  export_ok late.json syn.h5 --iters 400:
  json_check late.json 'r["otherData"]["ts_offset_ns"] == 0'

  # pid = rank + 1: rank 0 has the overflow lane, ranks 2 and 3 none.
  json_check all.json 'any(e["ph"] == "M" and e["pid"] == 1 and e["args"].get("name") == "compute (overlap)" for e in r["traceEvents"])'
  json_check all.json 'not any(e["ph"] == "M" and e["pid"] in (3, 4) and "overlap" in str(e["args"].get("name")) for e in r["traceEvents"])'
  for iters in 400:600 4:8 25:35; do
    export_ok "w$iters.json" syn.h5 --iters "$iters"
    check "w$iters.json" syn.h5 --iters "$iters"
  done
  ;;

export_bad_input)
  mpi 2 "$flopwall" run --model tiny --layers 1 --iters 4 --warmup 0 --quiet --out run.h5
  synth --out syn.h5
  # Damage found on opening (/ops) and half-way (the last rank's last row,
  # after megabytes of output): one line, and no file claims to be an export.
  "$python" - <<'PY' || fail "could not make the damaged traces"
import shutil, h5py
shutil.copy("run.h5", "bad_ops.h5")
with h5py.File("bad_ops.h5", "r+") as f:
    row = f["ops"][0]
    row["kind"] = b"bogus"
    f["ops"][0] = row
shutil.copy("syn.h5", "bad_rows.h5")
with h5py.File("bad_rows.h5", "r+") as f:
    ev = f["ranks/00007/events"]
    row = ev[-1]
    row["t_end_ns"] = row["t_start_ns"] - 5
    ev[-1] = row
PY
  refused "damaged trace bad_ops.h5: /ops row 0 has kind 'bogus'" "$flopwall" export bad_ops.h5
  refused "damaged trace bad_rows.h5: /ranks/00007/events: event 2967 ends" "$flopwall" export bad_rows.h5
  refused "damaged trace bad_rows.h5" "$flopwall" export bad_rows.h5 --out bad.json
  refused "does not exist" "$flopwall" export missing.h5
  for bad in 5:3 4:4 a:b -1:4 3 1:2:3 1.5:4 :x 0x3:; do
    refused "--iters '$bad' is not valid" "$flopwall" export run.h5 --iters="$bad"
  done
  refused "--format 'perfetto' is not valid; valid: chrome" "$flopwall" export run.h5 --format perfetto
  refused "not a workload sweep trace" "$flopwall" export run.h5 --point 0
  refused "directory 'nodir' does not exist" "$flopwall" export run.h5 --out nodir/x.json
  refused "is the trace being exported" "$flopwall" export run.h5 --out run.h5
  mkdir adir
  refused "is a directory" "$flopwall" export run.h5 --out adir
  refused "needs a trace file" "$flopwall" export
  refused "unrecognised option '--bogus'" "$flopwall" export run.h5 --bogus 1
  ;;

export_write_failure)
  # A write that fails (a file-size limit standing in for a full disk; a
  # full device on standard output): one line, exit 1, no file left.
  synth --out syn.h5
  rc=0
  (ulimit -f 512 && trap '' XFSZ && "$flopwall" export syn.h5 --out big.json) >out.txt 2>err.txt || rc=$?
  [[ $rc -eq 1 ]] || fail "a failed write exited $rc (want 1): $(cat err.txt)"
  [[ $(wc -l <err.txt) -eq 1 ]] || fail "a failed write said more than one line: $(cat err.txt)"
  grep -qF "cannot write 'big.json': File too large" err.txt || fail "a failed write said: $(cat err.txt)"
  [[ -z $(find . -name 'big.json*') ]] || fail "a failed write left $(find . -name 'big.json*')"
  rc=0
  "$flopwall" export syn.h5 --out - >/dev/full 2>err.txt || rc=$?
  [[ $rc -eq 1 ]] || fail "a full standard output exited $rc (want 1): $(cat err.txt)"
  grep -qF "cannot write to standard output: No space left on device" err.txt ||
    fail "a full standard output said: $(cat err.txt)"
  ;;

export_checker_catches)
  # The checker is only worth its passes if it fails on what a viewer would
  # get wrong: each edit of a good export must be caught, by name.
  synth --out syn.h5
  export_ok good.json syn.h5
  check good.json syn.h5
  for edit in shift_ts drop_event overlap bp_missing flow_missing flow_outside thread_unnamed host_name wrong_flops \
    before_zero; do
    "$python" - good.json bad.json "$edit" <<'PY' || fail "could not make the $edit edit"
import json, sys
from decimal import Decimal
doc = json.load(open(sys.argv[1]), parse_float=Decimal)
ev, edit = doc["traceEvents"], sys.argv[3]
xs = [k for k, e in enumerate(ev) if e["ph"] == "X"]
if edit == "shift_ts":        # one slice 1 ns late
    ev[xs[5]]["ts"] += Decimal("0.001")
elif edit == "drop_event":
    del ev[xs[7]]
elif edit == "overlap":       # a slice running into the next one on its thread
    a = ev[xs[3]]
    b = next(ev[k] for k in xs[4:] if (ev[k]["pid"], ev[k]["tid"]) == (a["pid"], a["tid"]))
    a["dur"] = b["ts"] - a["ts"] + Decimal("0.001")
elif edit == "bp_missing":
    del next(e for e in ev if e["ph"] == "f")["bp"]
elif edit == "flow_missing":  # a middle step of one flow
    del ev[next(k for k, e in enumerate(ev) if e["ph"] == "t")]
elif edit == "flow_outside":  # a finish outside its slice
    next(e for e in ev if e["ph"] == "f")["ts"] = Decimal(-1)
elif edit == "thread_unnamed":
    del ev[next(k for k, e in enumerate(ev) if e["name"] == "thread_name")]
elif edit == "host_name":
    next(e for e in ev if e["name"] == "process_name")["args"]["name"] = "rank 0 (elsewhere)"
elif edit == "wrong_flops":
    ev[xs[2]]["args"]["flops"] += 1
elif edit == "before_zero":   # Perfetto would drop it
    ev[xs[0]]["ts"] = Decimal("-0.005")
# Decimals back to JSON numbers (three decimals round-trip through a float).
json.dump(doc, open(sys.argv[2], "w"), default=float)
PY
    rc=0
    "$python" "$checker" bad.json syn.h5 >check.txt || rc=$?
    [[ $rc -eq 1 && -s check.txt ]] || fail "the checker passed the $edit edit (exit $rc): $(head -c 500 check.txt)"
  done
  ;;

export_bench)
  # bench/export_bench.sh end to end on a small trace: it prints every run
  # and the median line. No figure is judged (benchmarks print, people read).
  out=$(FLOPWALL=$flopwall GENERATOR=$synthetic RANKS=2 EVENTS=5600 RUNS=2 bash "$here/../../bench/export_bench.sh")
  echo "$out"
  grep -qE '^median of 2: 11200 events, [0-9.]+ s, [0-9]+ events/s' <<<"$out" || fail "no median line: $out"
  ;;

*) fail "unknown case" ;;
esac
