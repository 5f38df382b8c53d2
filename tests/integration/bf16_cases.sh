#!/usr/bin/env bash
# End-to-end checks of --dtype bf16 on the cpu backend, one case per ctest entry:
#   bf16_cases.sh CASE FLOPWALL MPIEXEC [PYTHON]
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 python=${4:-python3}
source "$(dirname "$0")/case_lib.sh"

case $case_name in
run_cpu_bf16)
  # Whether the OpenBLAS flopwall loads exports cblas_sbgemm, asked of the
  # library file itself (not of flopwall), decides which outcome is right.
  # ldd's whole output first: awk's early exit would otherwise end ldd by
  # SIGPIPE now and then, and pipefail would end this script without a word.
  deps=$(ldd "$flopwall")
  lib=$(awk '/libopenblas/ {print ($2 == "=>" ? $3 : $1); exit}' <<<"$deps")
  [[ -n $lib && -f $lib ]] || fail "flopwall loads no libopenblas: $(ldd "$flopwall")"
  rc=0
  mpi 2 "$flopwall" run --backend cpu --dtype bf16 --model tiny --iters 2 --warmup 1 --quiet --out run.h5 \
    >out.txt 2>err.txt || rc=$?
  symbols=$(nm -D --defined-only "$lib")
  if grep -qw cblas_sbgemm <<<"$symbols"; then
    [[ $rc -eq 0 ]] || fail "exit $rc with an OpenBLAS that has cblas_sbgemm: $(cat err.txt)"
    [[ -f run.h5 && ! -e run.h5.tmp ]] || fail "trace not written"
    "$flopwall" report run.h5 --format json >r.json
    json_check r.json 'r["config"]["dtype"] == "bf16" and r["world_size"] == 2 and r["iterations"] == 2'
    # The same model FLOPs as fp32 (cli_run_and_report): dtype changes bytes, not work.
    json_check r.json 'r["model_flops_per_iter"] == 411041792'
    "$flopwall" report run.h5 >r.txt
    grep -q "^model .*| bf16 |" r.txt || fail "the report's model line does not show bf16: $(grep "^model" r.txt)"
    h5dump -a /ranks/00000/device run.h5 | grep -q "GEMM cblas_sbgemm" || fail "device line does not name sbgemm"
  else
    # Exit 2, one line naming what lacks and what would work, no trace.
    [[ $rc -eq 2 ]] || fail "exit $rc (want 2) without cblas_sbgemm in $lib: $(cat err.txt)"
    [[ $(wc -l <err.txt) -eq 1 ]] || fail "stderr is not one line: $(cat err.txt)"
    grep -qF "needs OpenBLAS's bf16 GEMM (cblas_sbgemm), which this OpenBLAS (" err.txt || fail "$(cat err.txt)"
    grep -qF "BUILD_BFLOAT16=1" err.txt || fail "no remedy named: $(cat err.txt)"
    [[ -z $(find . -name '*.h5*') ]] || fail "left a trace behind"
  fi
  ;;
coll_cpu_bfloat16)
  # MPI has no bfloat16: flopwall's own type and float-math reductions.
  mpi 2 "$flopwall" collectives --backend cpu --collective all -d bfloat16 -b 8 -e 16K -f 8 -n 2 -w 1 \
    --format json >r.json
  json_check r.json 'r["wrong_total"] == 0 and len(r["results"]) > 0'
  json_check r.json 'all(x["dtype"] == "bfloat16" for x in r["results"])'
  json_check r.json '{"allreduce", "reducescatter", "reduce"} <= {x["collective"] for x in r["results"]}'
  mpi 2 "$flopwall" collectives --backend cpu -d bf16 -o max -b 2K -e 2K -n 2 -w 1 --format json >m.json
  json_check m.json 'r["wrong_total"] == 0 and r["results"][0]["dtype"] == "bfloat16"'
  ;;
*) fail "unknown case" ;;
esac
