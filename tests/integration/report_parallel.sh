#!/usr/bin/env bash
# `flopwall report` split over processes, and on a synthetic trace of many
# ranks. One case per ctest entry:
#   report_parallel.sh CASE FLOPWALL MPIEXEC [GENERATOR]
#   np_equal:  `mpirun -np 2` and `-np 3` print exactly the one-process
#              report (text, JSON, CSV) of a real run's trace, of a
#              collective sweep's, and of one whose events are out of
#              iteration order (both read whole); a
#              damaged trace is one line and exit 2 under mpirun too.
#   synthetic: the generator's trace (bench/synthetic_trace.cpp) is laid out
#              as a run's, passes the report's checks, and -np 2 equals -np 1.
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 generator=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
mpi() { local np=$1; shift; timeout 120 "$mpiexec" -q -np "$np" --oversubscribe "$@"; }
have_h5py() { python3 -c "import h5py" 2>/dev/null; }

# The report of $1 on one process and on $2 processes must be identical.
expect_same_reports() {
  local trace=$1 np=$2 format
  for format in text json csv; do
    "$flopwall" report "$trace" --format "$format" >one.$format 2>one.err || fail "report $trace: $(cat one.err)"
    [[ -s one.$format && ! -s one.err ]] || fail "report $trace ($format) printed nothing or warned"
    mpi "$np" "$flopwall" report "$trace" --format "$format" >many.$format 2>many.err ||
      fail "mpirun -np $np report $trace: $(cat many.err)"
    [[ ! -s many.err ]] || fail "-np $np warned: $(cat many.err)"
    cmp -s one.$format many.$format || fail "-np $np differs from -np 1 ($format, $trace): $(diff one.$format many.$format | head -5)"
  done
}

case $case_name in
np_equal)
  mpi 4 "$flopwall" run --model tiny --tp 2 --iters 12 --warmup 1 --quiet --out run.h5 2>/dev/null || fail "flopwall run"
  expect_same_reports run.h5 2
  expect_same_reports run.h5 3
  # A collective sweep's trace is read whole by process 0.
  mpi 2 "$flopwall" collectives --backend cpu -b 8 -e 1K -n 3 -w 1 --out sweep.h5 >/dev/null || fail "flopwall collectives"
  expect_same_reports sweep.h5 2
  if have_h5py; then
    # Rank 1's first two rows swap iterations: windows cannot hold it, and
    # every process count falls back to reading the trace whole.
    cp run.h5 unordered.h5
    python3 - unordered.h5 <<'PY'
import h5py, sys
with h5py.File(sys.argv[1], "r+") as f:
    ev = f["ranks/00001/events"]
    rows = ev[:]
    last = len(rows) - 1
    rows["iter"][0], rows["iter"][last] = rows["iter"][last], rows["iter"][0]
    ev[:] = rows
PY
    expect_same_reports unordered.h5 2
  fi
  # A damaged trace: one line from process 0, exit 2, nothing printed.
  printf 'not an hdf5 file' >fake.h5
  rc=0
  mpi 2 "$flopwall" report fake.h5 >out.txt 2>err.txt || rc=$?
  [[ $rc -eq 2 ]] || fail "exit $rc (want 2) for a damaged trace under mpirun: $(cat err.txt)"
  [[ $(wc -l <err.txt) -eq 1 ]] && grep -qF "is not an HDF5 file" err.txt || fail "stderr: $(cat err.txt)"
  [[ ! -s out.txt ]] || fail "printed a report of a damaged trace"
  ;;
synthetic)
  [[ -x $generator ]] || fail "no generator at '$generator'"
  mpi 2 "$generator" --ranks 32 --events 3000 --tp 8 --out syn.h5 >gen.txt || fail "generator: $(cat gen.txt)"
  expect_same_reports syn.h5 2
  # Rank 3 computes 5% slower: it arrives last at its group's collectives far more often than chance.
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['sync']['ranks']; assert r[3]['z_score'] > 10, r[3]" \
    one.json || fail "the slow rank 3 is not the late one"
  if have_h5py; then
    mpi 2 "$flopwall" run --model tiny --iters 3 --warmup 1 --quiet --out run.h5 2>/dev/null || fail "flopwall run"
    python3 - syn.h5 run.h5 <<'PY'
import h5py, sys
syn, run = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert set(syn.attrs) == set(run.attrs), (set(syn.attrs) ^ set(run.attrs))
assert set(syn["meta"]) >= {"env"} and len(syn["meta"].attrs) > 5
assert syn["ops"].dtype == run["ops"].dtype
a, b = syn["ranks/00009"], run["ranks/00001"]
assert set(a.attrs) == set(b.attrs), (set(a.attrs) ^ set(b.attrs))
assert a.attrs["group_tp"] == 1 and a.attrs["group_dp"] == 1, dict(a.attrs)
assert set(a) == set(b), (set(a), set(b))
for name in ("events", "clock_sync", "recent_ops"):
    assert a[name].dtype == b[name].dtype, name
ea, eb = a["events"], b["events"]
assert ea.compression == eb.compression and ea.shuffle == eb.shuffle and ea.fletcher32 == eb.fletcher32
assert ea.chunks == (min(16384, ea.shape[0]),), ea.chunks
assert len(syn["ranks"]) == 32 and syn.attrs["world_size"] == 32 and syn.attrs["complete"] == 1
PY
  fi
  ;;
*) fail "unknown case" ;;
esac
