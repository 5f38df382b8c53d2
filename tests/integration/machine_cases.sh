#!/usr/bin/env bash
# The machine description, the BLAS fallback judgement and `flopwall doctor`,
# end to end, one case per ctest entry:
#   machine_cases.sh CASE FLOPWALL MPIEXEC [PYTHON]
# OPENBLAS_CORETYPE is set only in the environment of the commands that need
# it, never exported to this script or to other tests.
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 python=${4:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
unset OPENBLAS_CORETYPE

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
mpi() { local np=$1; shift; timeout 120 "$mpiexec" -q -np "$np" --oversubscribe "$@"; }
json_check() { "$python" -c "import json,sys; r=json.load(open(sys.argv[1])); assert $2" "$1" 2>/dev/null || fail "json: $2 ($(head -c 800 "$1"))"; }
run_tiny() { mpi 2 "$flopwall" run --backend cpu --model tiny --iters 3 --warmup 1 --quiet "$@"; }
# The kernel this CPU's best, as the trace's machine description judges it.
best_kernel() { "$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['machine']['node_classes'][0]['inventory']['blas']['best'])" "$1"; }

case $case_name in
inventory_in_trace)
  # The trace's machine description agrees with what lscpu, /proc and sysfs say.
  run_tiny --out run.h5 2>log.txt
  "$flopwall" report run.h5 --format json >r.json
  json_check r.json 'len(r["machine"]["node_classes"]) == 1 and r["machine"]["node_classes"][0]["count"] == 1'
  json_check r.json "r['machine']['node_classes'][0]['hosts'] == ['$(hostname)']"
  inv() { "$python" -c "import json,sys; i=json.load(open('r.json'))['machine']['node_classes'][0]['inventory']; print($1)"; }
  lscpu_field() { LC_ALL=C lscpu | sed -n "s/^$1:[[:space:]]*//p" | head -1; }
  if command -v lscpu >/dev/null; then
    [[ $(inv 'i["cpu"]["hardware_threads"]') == "$(lscpu_field 'CPU(s)')" ]] || fail "threads: $(inv 'i["cpu"]["hardware_threads"]') vs lscpu $(lscpu_field 'CPU(s)')"
    [[ $(inv 'i["cpu"]["cores"]') == $(( $(lscpu_field 'Core(s) per socket') * $(lscpu_field 'Socket(s)') )) ]] || fail "cores"
  fi
  [[ $(inv 'i["cpu"]["model"]') == "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" ]] || fail "model name"
  [[ $(inv 'i["memory_bytes"]') == $(( $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) * 1024 )) ]] || fail "MemTotal"
  [[ $(inv '" ".join(l["name"] for l in i["links"])') == "$(ls /sys/class/net | sort | tr '\n' ' ' | sed 's/ $//')" ]] || fail "links"
  if grep -qw avx2 /proc/cpuinfo; then [[ $(inv '"avx2" in i["cpu"]["isa"]') == True ]] || fail "avx2 missing"; fi
  [[ $(inv '" ".join(i["mpi"]["btl"])') == *vader* ]] || fail "btl: $(inv 'i["mpi"]')"
  json_check r.json 'r["machine"]["node_classes"][0]["inventory"]["blas"]["chosen"] != ""'
  # The description is /meta machine_json, as docs/trace-format.md says.
  h5dump -a /meta/machine_json run.h5 | grep -q node_classes || fail "no /meta/machine_json"
  # Peaks: the run's dtype gets achieved against theoretical, by the documented formula.
  json_check r.json 'any(p["dtype"] == "fp32" and p["theoretical_flops_per_s"] > 0 for p in r["machine"]["peaks"])'
  json_check r.json 'all(abs(p["pct_of_theoretical"] - 100 * p["achieved_flops_per_s"] / p["theoretical_flops_per_s"]) < 1e-9 for p in r["machine"]["peaks"] if p["achieved_flops_per_s"] is not None)'
  json_check r.json 'abs([p for p in r["machine"]["peaks"] if p["dtype"] == "fp32"][0]["achieved_flops_per_s"] - r["flops_per_s_total"] / 2) < 1e-6 * r["flops_per_s_total"]'
  # The run's short calibration measured fp32 and fp64: % of calibrated by its formula, other dtypes none.
  json_check r.json 'all(p["theoretical_is_estimate"] for p in r["machine"]["peaks"])'
  json_check r.json 'all(abs(p["pct_of_calibrated"] - 100 * p["achieved_flops_per_s"] / p["calibrated_flops_per_s"]) < 1e-9 for p in r["machine"]["peaks"] if p["dtype"] == "fp32")'
  json_check r.json 'all(p["calibrated_flops_per_s"] is None for p in r["machine"]["peaks"] if p["dtype"] not in ("fp32", "fp64"))'
  json_check r.json 'r["machine"]["memory_bandwidth"]["calibrated_bytes_per_s"] > 0'
  json_check r.json '"calibration_json" not in r["meta"]'
  "$flopwall" report run.h5 >r.txt
  grep -q "^machine: 1 node class" r.txt && grep -q "peaks per rank" r.txt || fail "text report lacks the machine: $(cat r.txt)"
  "$flopwall" report run.h5 --format csv >r.csv
  grep -Eq "^run\.h5,cpu,2,tiny,machine,class1,cores,[0-9]+$" r.csv || fail "csv lacks the machine rows"
  grep -Eq "^run\.h5,cpu,2,tiny,peaks,fp32,theoretical_flops_per_s,[0-9.e+]+$" r.csv || fail "csv lacks the peaks rows"
  ;;
blas_fallback_warning)
  # Forced onto the SSE3 kernel, a CPU with more gets the warning from run,
  # collectives and report, and the report marks the GEMM figures.
  OPENBLAS_CORETYPE=Prescott run_tiny --out slow.h5 2>run_err.txt
  "$flopwall" report slow.h5 --format json >r.json 2>report_err.txt
  if [[ $(best_kernel r.json) == Prescott ]]; then
    echo "SKIP: Prescott is this CPU's best OpenBLAS kernel; there is no fallback to see"; exit 0
  fi
  want="runs its Prescott kernel (SSE3)"
  [[ $(grep -c "warning: OpenBLAS" run_err.txt) == 1 ]] && grep -qF "$want" run_err.txt || fail "run: $(cat run_err.txt)"
  grep -qF "OPENBLAS_CORETYPE=$(best_kernel r.json)" run_err.txt || fail "run warning lacks the variable: $(cat run_err.txt)"
  grep -qF "$want" report_err.txt || fail "report json: $(cat report_err.txt)"
  json_check r.json 'r["machine"]["blas_fallback"] is True'
  json_check r.json 'all(o["blas_fallback"] == (o["kind"] == "compute" and (o["gflops_per_s"] or 0) > 0) for o in r["ops"])'
  json_check r.json 'any(o["blas_fallback"] for o in r["ops"])'
  "$flopwall" report slow.h5 >r.txt 2>text_err.txt
  grep -qF "$want" text_err.txt || fail "report text: $(cat text_err.txt)"
  grep -q "FALLBACK" r.txt && grep -q "†" r.txt || fail "text report does not mark the figures"
  OPENBLAS_CORETYPE=Prescott mpi 2 "$flopwall" collectives --backend cpu -b 8 -e 8 -n 2 -w 1 >/dev/null 2>coll_err.txt
  grep -qF "$want" coll_err.txt || fail "collectives: $(cat coll_err.txt)"
  ;;
blas_best_no_warning)
  # On the best kernel this CPU supports, no line and no mark.
  run_tiny --out probe.h5 2>/dev/null
  "$flopwall" report probe.h5 --format json >p.json 2>/dev/null
  best=$(best_kernel p.json)
  OPENBLAS_CORETYPE=$best run_tiny --out best.h5 2>run_err.txt
  "$flopwall" report best.h5 --format json >r.json 2>report_err.txt
  json_check r.json "r['machine']['node_classes'][0]['inventory']['blas']['chosen'].lower() == '$best'.lower()"
  ! grep -q "warning" run_err.txt report_err.txt || fail "a warning on the best kernel: $(cat run_err.txt report_err.txt)"
  json_check r.json 'r["machine"]["blas_fallback"] is False and not any(o["blas_fallback"] for o in r["ops"])'
  ;;
doctor_here)
  # On this machine: every check runs, the exit code says whether any finding
  # is an error, and the probe timed the kernel in use.
  rc=0
  mpi 2 "$flopwall" doctor --format json --probe-seconds 0.2 >d.json 2>err.txt || rc=$?
  json_check d.json "r['exit_code'] == $rc and r['ranks'] == 2 and r['nodes'] == 1"
  json_check d.json "(r['exit_code'] == 1) == any(f['severity'] == 'error' for f in r['findings'])"
  json_check d.json 'len(r["checks"]) >= 12 and all(set(f) >= {"check", "severity", "where", "message", "fix"} for f in r["findings"])'
  json_check d.json 'any(p["available"] and p["correct"] and p["flops_per_s"] > 0 for p in list(r["probe"].values())[0])'
  json_check d.json 'len(r["machine"]["node_classes"]) == 1'
  mpi 1 "$flopwall" doctor --probe-seconds 0 >d.txt 2>&1 || true
  grep -q "^flopwall doctor: 1 rank on 1 node" d.txt && grep -q "errors\?, " d.txt || fail "text: $(cat d.txt)"
  ;;
doctor_tcp_fallback)
  # MPI restricted to TCP between ranks of one node: an error, exit 1.
  rc=0
  OMPI_MCA_btl=self,tcp mpi 2 "$flopwall" doctor --format json --probe-seconds 0 >d.json 2>err.txt || rc=$?
  [[ $rc -ne 0 ]] || fail "exit 0 with TCP inside a node"
  json_check d.json 'any(f["check"] == "mpi_transport" and f["severity"] == "error" for f in r["findings"])'
  json_check d.json 'r["exit_code"] == 1'
  ;;
doctor_blas_fallback)
  # The probe recommends a kernel that the child really ran and that computed correctly.
  rc=0
  OPENBLAS_CORETYPE=Prescott mpi 1 "$flopwall" doctor --format json --probe-seconds 0.2 >d.json 2>err.txt || rc=$?
  best=$("$python" -c "import json; print(json.load(open('d.json'))['machine']['node_classes'][0]['inventory']['blas']['best'])")
  [[ $best != Prescott ]] || { echo "SKIP: Prescott is this CPU's best kernel"; exit 0; }
  [[ $rc -eq 1 ]] || fail "exit $rc with a fallback kernel"
  json_check d.json 'any(f["check"] == "blas_kernel" and f["severity"] == "error" and "Prescott" in f["message"] for f in r["findings"])'
  pick=$("$python" -c "import json; f=[f for f in json.load(open('d.json'))['findings'] if f['check']=='blas_kernel'][0]; print(f['fix'].split('OPENBLAS_CORETYPE=')[1].split()[0])")
  json_check d.json "any(p['kernel'] == '$pick' and p['available'] and p['correct'] for p in list(r['probe'].values())[0])"
  ;;
doctor_bad_input)
  for args in "--format xml" "--probe-seconds -1" "--probe-seconds 1e9" "--bogus"; do
    rc=0
    # shellcheck disable=SC2086
    "$flopwall" doctor $args >out.txt 2>err.txt || rc=$?
    [[ $rc -eq 2 && $(wc -l <err.txt) -eq 1 ]] || fail "doctor $args: exit $rc, stderr $(cat err.txt)"
  done
  ;;
*)
  fail "unknown case"
  ;;
esac
echo "ok [$case_name]"
