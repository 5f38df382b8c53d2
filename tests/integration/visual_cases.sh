#!/usr/bin/env bash
# The HTML report end to end, one case per ctest entry:
#   visual_cases.sh CASE FLOPWALL MPIEXEC SOURCE_DIR [PYTHON]
# The browser cases open the page in headless Chromium
# (tests/tools/browser_check.py): no JavaScript error, no network request,
# every chart drawn, and every point drawn found in `--format json`. They
# exit 77 (ctest: skipped) where Chromium cannot run.
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 source_dir=$4 python=${5:-python3}
case_timeout=150
source "$(dirname "$0")/case_lib.sh"
check_page() { "$python" "$source_dir/tests/tools/browser_check.py" "$@"; }
tiny=(--model tiny --iters 20 --warmup 2 --quiet)

# report FILE NAME: NAME.html and NAME.json of FILE, then the page checked in the browser.
html_and_json() {
  "$flopwall" report "$1" --format html --out "$2.html" 2>err.txt || fail "--format html failed: $(cat err.txt)"
  grep -qF "wrote $2.html" err.txt || fail "no 'wrote' line: $(cat err.txt)"
  "$flopwall" report "$1" --format json >"$2.json"
}

case $case_name in
html_run)
  mpi 2 "$flopwall" run "${tiny[@]}" --out run.h5
  html_and_json run.h5 run
  # Every chart of a run: step series, CDF, breakdown, two timelines, arrival map, roofline.
  json_check run.json 'all(k in r["charts"] for k in ("steps", "step_cdf", "step_marks", "breakdown", "timeline", "arrival_map"))'
  json_check run.json 'len(r["charts"]["steps"]["points"]) == 20 and r["charts"]["steps"]["bucket_iterations"] == 1'
  json_check run.json '[i["why"] for i in r["charts"]["timeline"]["iterations"]][0] == "slowest"'
  json_check run.json 'max(p["step_s"] for p in r["charts"]["steps"]["points"]) == r["step_time_s"]["max"]'
  json_check run.json 'r["charts"]["step_marks"][0]["step_s"] == r["step_time_s"]["p50"]'
  # The screenshot lands beside the test's build folder for the docs (FLOPWALL_SCREENSHOT).
  shot=${FLOPWALL_SCREENSHOT:-shot.png}
  check_page run.html run.json --min-charts 6 --screenshot "$shot" --screenshot-top 1500 --screenshot-scale 0.6
  [[ -s $shot ]] || fail "no screenshot"
  ;;

html_sweeps)
  mpi 2 "$flopwall" collectives -b 8 -e 4K -n 5 -w 1 --out coll.h5 >/dev/null
  html_and_json coll.h5 coll
  json_check coll.json 'len(r["charts"]["collectives"]) >= 1 and all("fit" in s for s in r["charts"]["collectives"])'
  check_page coll.html coll.json --min-charts 2
  mpi 2 "$flopwall" sweep --param batch --values 1,2,4 --slo-p99-ms 50 -- --model tiny --iters 5 --warmup 1 --quiet \
    --out sweep.h5 >/dev/null
  html_and_json sweep.h5 sweep
  json_check sweep.json 'len(r["charts"]["workload"]["points"]) == 3 and len(r["charts"]["workload"]["slo_line"]) == 2'
  check_page sweep.html sweep.json --min-charts 2
  # A sweep's point is a run: its page has the run's charts.
  "$flopwall" report sweep.h5 --point 1 --format html --out point.html 2>/dev/null
  "$flopwall" report sweep.h5 --point 1 --format json >point.json
  check_page point.html point.json --min-charts 5
  ;;

html_compare)
  # Several files: their comparison as interval bars, then each one's report.
  mkdir fixtures
  mpi 2 "$flopwall" run "${tiny[@]}" --out fixtures/a.h5
  mpi 2 "$flopwall" run "${tiny[@]}" --batch 4 --out fixtures/b.h5
  "$flopwall" report fixtures/a.h5 fixtures/b.h5 --format html --out ab.html 2>/dev/null
  "$flopwall" report fixtures/a.h5 fixtures/b.h5 --format json >ab.json
  json_check ab.json 'r["files"] == ["fixtures/a.h5", "fixtures/b.h5"] and len(r["reports"]) == 2 and r["comparison"]["baseline"] == 0'
  json_check ab.json 'r["charts"]["compare"][0]["file"] == "fixtures/b.h5" and r["charts"]["compare"][0]["rows"][0]["key"] == "step p50_s"'
  # The comparison is flopwall compare's, figure for figure.
  "$flopwall" compare fixtures/a.h5 fixtures/b.h5 --format json >cmp.json
  "$python" -c "import json; a=json.load(open('ab.json'))['comparison']; b=json.load(open('cmp.json')); assert a['rows'] == b['rows']" ||
    fail "the report's comparison differs from flopwall compare's"
  check_page ab.html ab.json --min-charts 12
  expect_usage_error "--format json or html, not text" "$flopwall" report fixtures/a.h5 fixtures/b.h5
  expect_usage_error "given twice" "$flopwall" report fixtures/a.h5 fixtures/a.h5 --format json
  ;;

html_offline)
  # Without a browser: the page holds the JSON report whole, asks for nothing
  # outside itself, and forbids itself any request.
  mpi 2 "$flopwall" run "${tiny[@]}" --out run.h5
  html_and_json run.h5 run
  "$python" - run.html run.json <<'PY' || fail "the page's checks failed"
import json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
report = json.load(open(sys.argv[2]))
inline = re.search(r'<script type="application/json" id="flopwall-report">(.*?)</script>', page, re.S)
assert inline, "no inline report"
assert json.loads(inline.group(1)) == report, "the inline report differs from --format json"
assert "default-src 'none'" in page, "no Content-Security-Policy"
for tag in re.findall(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*>", page):
    assert not re.search(r"\b(?:src|href)\s*=", tag), f"a tag that loads something: {tag}"
assert page.count("<script") == 4, "scripts: the report, the library's origin, the library, the page"
assert "Chart.js v3" in page, "the chart library is not inlined"
PY
  # A name with markup in it stays data: the page is still one document.
  mkdir -p 'odd</script><b>'
  cp run.h5 'odd</script><b>/run.h5'
  "$flopwall" report 'odd</script><b>/run.h5' --format html --out odd.html 2>/dev/null
  [[ $(grep -c '</script>' odd.html) -eq 4 ]] || fail "a file name ended a script element"
  ;;

html_bad_input)
  mkdir fixtures
  mpi 2 "$flopwall" run "${tiny[@]}" --out fixtures/run.h5
  expect_usage_error "--format 'htm'" "$flopwall" report fixtures/run.h5 --format htm
  expect_usage_error "cannot create a file beside --out 'no/such/dir/r.html'" "$flopwall" report fixtures/run.h5 --format html --out no/such/dir/r.html
  expect_usage_error "--out ''" "$flopwall" report fixtures/run.h5 --format html --out ''
  head -c 4096 fixtures/run.h5 >fixtures/cut.h5
  expect_usage_error "cut.h5" "$flopwall" report fixtures/cut.h5 --format html --out cut.html
  [[ ! -e cut.html ]] || fail "a failed report left cut.html"
  [[ -z $(find . -name '*.tmp') ]] || fail "a temporary file was left: $(find . -name '*.tmp')"
  # --out replaces an older report whole.
  echo old >r.html
  "$flopwall" report fixtures/run.h5 --format html --out r.html 2>/dev/null
  head -c 15 r.html | grep -q '<!doctype html>' || fail "--out did not replace the old file"
  ;;

*) fail "unknown case" ;;
esac
echo "PASS [$case_name]"
