# What the end-to-end case scripts share (sourced, not run): a fresh working
# folder, and the checks. Set before sourcing: case_name, mpiexec, python;
# optionally case_timeout (seconds per mpirun, default 120).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
# -q: mpirun adds its own banner when ranks exit non-zero; the cases judge flopwall's output alone.
mpi() { local np=$1; shift; timeout "${case_timeout:-120}" "$mpiexec" -q -np "$np" --oversubscribe "$@"; }
# json_check FILE EXPR: a Python expression over `r`, the parsed file, must hold.
json_check() { "$python" -c "import json,sys; r=json.load(open(sys.argv[1])); assert $2" "$1" 2>/dev/null || fail "json: $2 ($(head -c 600 "$1"))"; }
# Bad input: exit code 2, exactly one line on stderr containing $1, and no
# trace (or temporary trace) left in the working folder (a case's own bad
# inputs may sit under fixtures/).
expect_usage_error() {
  local fragment=$1; shift
  local rc=0
  "$@" >out.txt 2>err.txt || rc=$?
  [[ $rc -eq 2 ]] || fail "exit code $rc (want 2) for: $* ; stderr: $(cat err.txt)"
  [[ $(wc -l <err.txt) -eq 1 ]] || fail "stderr is not one line: $(cat err.txt)"
  grep -qF -- "$fragment" err.txt || fail "stderr lacks '$fragment': $(cat err.txt)"
  local left
  left=$(find . -name '*.h5*' | grep -v -e '^./fixtures' || true)
  [[ -z $left ]] || fail "left files behind: $left"
  rm -f out.txt err.txt
}
