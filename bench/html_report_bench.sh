#!/usr/bin/env bash
# The HTML report at size: a synthetic trace of RANKS ranks × ITERS
# iterations (bench/synthetic_trace.cpp, 56 ops per iteration), then ROUNDS
# interleaved rounds of `flopwall report` as text (the reference: the same
# analysis without charts) and as HTML, and the page opened in headless
# Chromium (tests/tools/browser_check.py: navigation to drawn, and the page's
# own drawing time). Prints each round and the medians; docs/visuals.md and
# docs/benchmarks.md quote them. No test judges a figure.
#
#   bench/html_report_bench.sh                 # 4 ranks × 10,000 iterations, build/ of this checkout
#   RANKS=8 ITERS=20000 ROUNDS=3 bench/html_report_bench.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
[[ $build = /* ]] || build=$here/$build
ranks=${RANKS:-4}
iters=${ITERS:-10000}
rounds=${ROUNDS:-5}
flopwall=${FLOPWALL:-$build/flopwall}
generator=${GENERATOR:-$build/bench/flopwall_synthetic_trace}
python=${PYTHON:-python3}
[[ -x $flopwall ]] || { echo "html_report_bench: no flopwall at $flopwall (build first, or set FLOPWALL)" >&2; exit 2; }
[[ -x $generator ]] || { echo "html_report_bench: no generator at $generator (build with -DFLOPWALL_BENCH=ON)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "html_report_bench: needs /usr/bin/time (GNU time) for the peak RSS" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$generator" --ranks "$ranks" --tp "$ranks" --events $((iters * 56)) --out "$work/big.h5" >/dev/null
"$flopwall" report "$work/big.h5" --format json >"$work/big.json"
echo "trace: $ranks ranks x $iters iterations x 56 ops ($((ranks * iters * 56)) events, $(du -h "$work/big.h5" | cut -f1))"

# seconds and peak RSS (KiB) of one command, from GNU time.
timed() { /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>&1; cat "$work/time.txt"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-6s %10s %10s %12s %14s %14s\n' round text_s html_s html_rss_MiB page_draw_ms nav_to_drawn_ms
: >"$work/rows"
for ((r = 1; r <= rounds; r++)); do
  read -r text_s _ < <(timed "$flopwall" report "$work/big.h5")
  read -r html_s html_kib < <(timed "$flopwall" report "$work/big.h5" --format html --out "$work/big.html")
  page=$("$python" "$here/tests/tools/browser_check.py" "$work/big.html" "$work/big.json" --timeout 120 2>&1 || true)
  draw=$(sed -nE 's/.*rendered in ([0-9.]+) ms \(page\), ([0-9.]+) ms.*/\1 \2/p' <<<"$page")
  [[ -n $draw ]] || draw="- -"
  read -r draw_ms nav_ms <<<"$draw"
  printf '%-6s %10s %10s %12.1f %14s %14s\n' "$r" "$text_s" "$html_s" "$(awk -v k="$html_kib" 'BEGIN { print k / 1024 }')" \
    "$draw_ms" "$nav_ms"
  echo "$text_s $html_s $draw_ms $nav_ms" >>"$work/rows"
done
for col in 1 2 3 4; do cut -d' ' -f"$col" "$work/rows" | grep -v -- - | median >"$work/m$col" || echo - >"$work/m$col"; done
printf '%-6s %10s %10s %12s %14s %14s\n' median "$(cat "$work/m1")" "$(cat "$work/m2")" "" "$(cat "$work/m3")" "$(cat "$work/m4")"
echo "html page: $(du -h "$work/big.html" | cut -f1)"
