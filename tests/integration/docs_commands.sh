#!/usr/bin/env bash
# Runs every shell command shown in one Markdown file, in order, at small sizes:
#   tests/integration/docs_commands.sh FILE.md FLOPWALL_BINARY [MPIEXEC] [PYTHON]
# tests/cmake/docs_tests.cmake registers one ctest case per Markdown file
# (label docs). doc_commands.py finds the commands (see its help for what
# counts as one) and applies these rules:
#
# - Where. Each command runs in its own `bash -c`, with one fresh temporary
#   directory per Markdown file as the working directory, so a trace written
#   by one command (`--out d.h5`, `results/...`) is there for the next, and
#   nothing lands in the repository. In that directory `build` is the build
#   directory under test (so `build/flopwall` is the binary being tested),
#   `launch` and `tests` are the repository's, and `flopwall`, `mpirun` and
#   `python3` on PATH are the binary, the MPI launcher and the Python that
#   CMake found.
# - Marks. A line whose trailing comment says `# needs: gpu`, `cluster`,
#   `slurm`, `network` or `browser` is skipped with that reason printed. Any other
#   `needs:` word fails the test, so a typo does not skip silently.
# - Whole-project commands (launch/quickstart.sh, launch/build.sh,
#   tests/run.sh) are skipped: they would rebuild the tree this test runs
#   from. tests/run.sh runs the first two and .ci/run the third; the test
#   fails if they stop doing so.
# - Ranks. An `mpirun` of more than 4 ranks must be marked. One of 3 or 4
#   ranks must show `--oversubscribe` (or be marked): CI and many laptops
#   have 2 cores, and the runner never adds the flag for the reader.
# - Sizes. A sweep with `-e`/`--maxbytes` above 64M must be marked. A heavy
#   preset (`--model gpt3-1.3b` or `llama2-7b`) runs with `--layers 1
#   --seq 128 --batch 1 --iters 2 --warmup 1` in place of what the doc gives:
#   that checks the command, its flags and the preset, not their speed.
# - Placeholders. A path with `<...>` in it (`results/<timestamp>-run.h5`)
#   becomes the newest file matching it with `*` in place of each `<...>`. A
#   bare `...` fails: show a concrete command.
# - Pass: every command that runs exits 0 within 300 s. A file without
#   commands passes and says so.
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: $0 FILE.md FLOPWALL_BINARY [MPIEXEC] [PYTHON]" >&2; exit 2; }
markdown=$(realpath "$1")
binary=$(realpath "$2")
mpiexec=${3:-$(command -v mpirun || true)}
python=${4:-python3}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
name=${markdown#"$repo"/}

[[ -x $binary ]] || { echo "docs: $binary is not an executable" >&2; exit 1; }
plan=$("$python" "$here/doc_commands.py" plan "$markdown")

work=$(mktemp -d "${TMPDIR:-/tmp}/flopwall-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT
ln -s "$(dirname "$binary")" "$work/build"
ln -s "$repo/launch" "$work/launch"
ln -s "$repo/tests" "$work/tests"
mkdir "$work/.bin"
ln -s "$binary" "$work/.bin/flopwall"
[[ -n $mpiexec ]] && ln -s "$(command -v "$mpiexec")" "$work/.bin/mpirun"
ln -s "$(command -v "$python")" "$work/.bin/python3"
export PATH="$work/.bin:$PATH"

# The newest file matching a glob, for placeholders; the glob itself when
# nothing matches, so that the command's own error names it.
newest() {
  local found
  # shellcheck disable=SC2086  # the glob is meant to expand
  found=$(ls -1td -- $1 2>/dev/null | head -n 1 || true)
  echo "${found:-$1}"
}
export -f newest

ran=0 skipped=0 failed=0
while IFS=$'\t' read -r line action text shown; do
  [[ -n $line ]] || continue
  case $action in
    skip)
      echo "skip  $name:$line: $shown  ($text)"
      skipped=$((skipped + 1))
      ;;
    error)
      echo "FAIL  $name:$line: $shown"
      echo "      $text"
      failed=$((failed + 1))
      ;;
    run)
      echo "run   $name:$line: $shown"
      [[ $text == "$shown" ]] || echo "      as: $text"
      start=$SECONDS
      if (cd "$work" && timeout --kill-after=10 300 bash -c "$text") </dev/null >"$work/.log" 2>&1; then
        echo "      ok in $((SECONDS - start)) s"
        ran=$((ran + 1))
      else
        rc=$?
        echo "FAIL  $name:$line: exit code $rc after $((SECONDS - start)) s; last lines of its output:"
        tail -n 30 "$work/.log" | sed 's/^/      | /'
        failed=$((failed + 1))
      fi
      ;;
    *)
      echo "docs: unexpected plan line: $line $action" >&2
      exit 1
      ;;
  esac
done <<<"$plan"

if [[ $((ran + skipped + failed)) -eq 0 ]]; then
  echo "docs: $name shows no shell commands"
fi
echo "docs: $name: $ran ran, $skipped skipped, $failed failed"
[[ $failed -eq 0 ]]
