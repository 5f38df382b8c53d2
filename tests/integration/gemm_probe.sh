#!/usr/bin/env bash
# `flopwall gemm-probe`, the child the doctor's BLAS probe starts: with
# OPENBLAS_CORETYPE=Prescott set for it alone, it must report running the
# Prescott kernel and a product within 1e-4 of the double-precision
# reference; bad arguments end with exit 2 and one line.
#   gemm_probe.sh FLOPWALL [PYTHON]
# Skipped (77) where OpenBLAS is not a DYNAMIC_ARCH build (one kernel only).
set -euo pipefail

flopwall=$1 python=${2:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL [gemm_probe]: $*" >&2; exit 1; }

versions=$("$flopwall" --version)
if [[ $versions != *DYNAMIC_ARCH* ]]; then
  echo "SKIP: OpenBLAS is not a DYNAMIC_ARCH build"
  exit 77
fi

OPENBLAS_CORETYPE=Prescott timeout 60 "$flopwall" gemm-probe --seconds 0.2 --size 128 >out.json 2>err.txt ||
  fail "exit code $? ; stderr: $(cat err.txt)"
[[ $(wc -l <out.json) -eq 1 ]] || fail "not one line: $(cat out.json)"
"$python" - out.json <<'PY' || fail "result: $(cat out.json)"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["corename"].lower() == "prescott", r["corename"]
assert r["size"] == 128 and r["calls"] >= 1, r
assert r["flops_per_s"] > 0, r
assert 0 <= r["max_rel_error"] < 1e-4, r["max_rel_error"]
PY

for bad in "--size 0" "--size 100000" "--seconds 0" "--seconds nan" "--bogus 1" "--size"; do
  rc=0
  # shellcheck disable=SC2086
  "$flopwall" gemm-probe $bad >out.txt 2>err.txt || rc=$?
  [[ $rc -eq 2 ]] || fail "exit code $rc (want 2) for '$bad'; stderr: $(cat err.txt)"
  [[ $(wc -l <err.txt) -eq 1 ]] || fail "stderr is not one line for '$bad': $(cat err.txt)"
  [[ ! -s out.txt ]] || fail "printed a result for '$bad': $(cat out.txt)"
done
echo "gemm_probe: ok"
