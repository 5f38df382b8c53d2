#!/usr/bin/env bash
# `flopwall report` on damaged traces, one damage class per ctest entry:
#   damaged_traces.sh setup       DIR FLOPWALL MPIEXEC MAKE_DAMAGED   good run and sweep traces into DIR
#   damaged_traces.sh CLASS       DIR FLOPWALL MPIEXEC MAKE_DAMAGED   one class (make_damaged_trace --list)
#   damaged_traces.sh regressions DIR FLOPWALL MPIEXEC MAKE_DAMAGED REGRESSION_DIR
#   damaged_traces.sh class_list  DIR FLOPWALL MPIEXEC MAKE_DAMAGED CLASS...   the tool's classes are all registered
#   damaged_traces.sh filter_fallback DIR FLOPWALL MPIEXEC MAKE_DAMAGED   another filter pipeline reads the same
# For every format (text, json, csv) a damaged trace must give exit code 2,
# exactly one line on stderr with the expected message, nothing on stdout,
# no crash, within 10 s, and no more than 512 MiB of memory.
set -euo pipefail

case_name=$1 dir=$2 flopwall=$3 mpiexec=$4 make_damaged=$5
shift 5

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }

if [[ $case_name == setup ]]; then
  rm -rf "$dir" && mkdir -p "$dir"
  cd "$dir"
  timeout 120 "$mpiexec" -q -np 2 --oversubscribe "$flopwall" run --model tiny --iters 5 --warmup 1 --quiet \
    --out run.h5 2>setup.log || fail "flopwall run: $(cat setup.log)"
  timeout 120 "$mpiexec" -q -np 2 --oversubscribe "$flopwall" collectives --backend cpu -b 8 -e 4K -n 3 -w 1 \
    --out sweep.h5 >/dev/null 2>>setup.log || fail "flopwall collectives: $(cat setup.log)"
  timeout 120 "$mpiexec" -q -np 2 --oversubscribe "$flopwall" sweep --param batch --values 1,2 -- --model tiny \
    --layers 1 --iters 3 --warmup 0 --quiet --out points.h5 2>>setup.log || fail "flopwall sweep: $(cat setup.log)"
  # The checks must refuse damage, not traces: the good ones report cleanly.
  for good in run.h5 sweep.h5 points.h5; do
    for format in text json csv; do
      "$flopwall" report "$good" --format "$format" >report.out 2>report.err ||
        fail "the good $good is refused ($format): $(cat report.err)"
      [[ -s report.out && ! -s report.err ]] || fail "the good $good reports nothing or warns ($format)"
    done
  done
  exit 0
fi
[[ -f $dir/run.h5 && -f $dir/sweep.h5 && -f $dir/points.h5 ]] || fail "no good traces in $dir (the damaged_setup fixture did not run)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# report FILE FORMAT: sets rc, and fills $work/out.txt, $work/err.txt, $work/rss_kib.
report() {
  rc=0
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -o "$work/rss_kib" -f %M timeout -s KILL 10 "$flopwall" report "$1" --format "$2" \
      >"$work/out.txt" 2>"$work/err.txt" || rc=$?
  else
    echo 0 >"$work/rss_kib"
    timeout -s KILL 10 "$flopwall" report "$1" --format "$2" >"$work/out.txt" 2>"$work/err.txt" || rc=$?
  fi
  # GNU time appends "Command exited with non-zero status N" before the figure.
  rss_kib=$(tail -n 1 "$work/rss_kib")
}

# expect_refused FILE FRAGMENT [ALLOW_SUCCESS]: every format refuses FILE with
# one line holding FRAGMENT. With ALLOW_SUCCESS, a clean report is accepted
# too (a flipped byte may land in a value that stays valid).
expect_refused() {
  local file=$1 fragment=$2 allow_success=${3:-}
  local format
  for format in text json csv; do
    report "$file" "$format"
    [[ $rc -ne 137 ]] || fail "$format: killed after 10 s (hang) on $file"
    (( rss_kib < 512 * 1024 )) || fail "$format: used $rss_kib KiB of memory on a $(stat -c %s "$file")-byte file"
    if [[ $rc -eq 0 && -n $allow_success ]]; then
      [[ ! -s $work/err.txt ]] || fail "$format: exit 0 with stderr: $(head -c 400 "$work/err.txt")"
      continue
    fi
    [[ $rc -eq 2 ]] || fail "$format: exit code $rc (want 2) on $file; stderr: $(head -c 800 "$work/err.txt")"
    [[ $(wc -l <"$work/err.txt") -eq 1 ]] || fail "$format: stderr is not one line: $(head -c 800 "$work/err.txt")"
    grep -qF -- "flopwall: error: " "$work/err.txt" || fail "$format: not a usage error: $(cat "$work/err.txt")"
    grep -qF -- "$fragment" "$work/err.txt" || fail "$format: stderr lacks '$fragment': $(cat "$work/err.txt")"
    [[ ! -s $work/out.txt ]] || fail "$format: printed a report for a damaged trace: $(head -c 200 "$work/out.txt")"
  done
}

damaged() {  # damaged CLASS SEED GOOD: writes $work/bad.h5
  "$make_damaged" "$1" "$3" "$work/bad.h5" "$2" || fail "make_damaged_trace $1 failed"
}

case $case_name in
regressions)
  regression_dir=$1
  count=0
  for f in "$regression_dir"/*; do
    [[ -f $f && $(basename "$f") != README.md ]] || continue
    expect_refused "$f" ""
    count=$((count + 1))
  done
  (( count > 0 )) || fail "no regression inputs under $regression_dir"
  echo "$count regression inputs refused cleanly"
  ;;
filter_fallback)
  # Rank 0's events rewritten with deflate and fletcher32 but no shuffle: the
  # reader decodes only flopwall's own pipeline itself and leaves this one to
  # HDF5 (rank 1 keeps flopwall's). The report must not change by a byte.
  mkdir -p "$work/repacked"
  h5repack -L -f /ranks/00000/events:GZIP=6 -f /ranks/00000/events:FLET "$dir/run.h5" "$work/repacked/run.h5" ||
    fail "h5repack failed"
  h5dump -p -H -d /ranks/00000/events "$work/repacked/run.h5" | grep -q SHUFFLE && fail "h5repack kept the shuffle"
  for format in text json csv; do
    (cd "$dir" && "$flopwall" report run.h5 --format "$format") >"$work/before.$format" ||
      fail "$format: the good run.h5 is refused"
    (cd "$work/repacked" && "$flopwall" report run.h5 --format "$format") >"$work/after.$format" 2>"$work/err.txt" ||
      fail "$format: the repacked run.h5 is refused: $(cat "$work/err.txt")"
    cmp -s "$work/before.$format" "$work/after.$format" ||
      fail "$format: the repacked run.h5 reports differently: $(diff "$work/before.$format" "$work/after.$format" | head -5)"
  done
  ;;
class_list)
  listed=$("$make_damaged" --list | cut -d' ' -f1 | sort)
  registered=$(printf '%s\n' "$@" | sort)
  [[ $listed == "$registered" ]] ||
    fail "make_damaged_trace classes and registered tests differ: $(diff <(echo "$listed") <(echo "$registered") | tr '\n' ' ')"
  ;;
*)
  kind=$("$make_damaged" --list | awk -v c="$case_name" '$1 == c { print $2 }')
  [[ -n $kind ]] || fail "make_damaged_trace has no class '$case_name'"
  good=$dir/run.h5
  [[ $kind == sweep ]] && good=$dir/sweep.h5
  [[ $kind == points ]] && good=$dir/points.h5
  # What the one line must say, where more than "damaged trace" is certain.
  fragment="damaged trace"
  case $case_name in
    iter_*) fragment="iterations lie in 0 .. " ;;
    op_*) fragment="so valid ops are 0 .. " ;;
    end_before_start) fragment="before it starts" ;;
    stamps_extreme) fragment="beyond the +-2^62 ns" ;;
    world_size_zero) fragment="world_size 0 is not valid" ;;
    world_size_negative) fragment="world_size -2 is not valid" ;;
    world_size_above_groups) fragment="world_size is 3 but /ranks holds 2 groups" ;;
    world_size_huge) fragment="world_size 1073741824 is not valid" ;;
    world_size_string) fragment="attribute 'world_size' is a string; expected an integer" ;;
    schema_version_string) fragment="attribute 'schema_version' is a string; expected an integer" ;;
    hostname_integer) fragment="attribute 'hostname' of /ranks/00000 is an integer; expected a string" ;;
    clock_error_negative) fragment="clock error of" ;;
    missing_rank_group) fragment="/ranks/00001 is missing" ;;
    rank_group_deleted) fragment="world_size is 2 but /ranks holds 1 groups" ;;
    rank_group_soft_link | events_external_link) fragment="soft or external link" ;;
    events_unwritten) fragment="declares 20000000 rows in 1221 chunks but stores 0 chunks" ;;
    events_field_missing) fragment="has no field 't_end_ns'" ;;
    points_sweep_json_not_json) fragment="sweep_json is not a JSON object" ;;
    points_param_unknown) fragment="sweep_json names no known param" ;;
    points_value_mismatch) fragment="/points/00001 has value '99'; sweep_json lists '2' there" ;;
    points_more_than_values) fragment="/points holds 3 points; its sweep_json lists 2 values" ;;
    points_group_missing) fragment="/points/00001 is missing" ;;
    points_config_json_wrong_types) fragment="config_json key 'batch' is string" ;;
    points_op_out_of_range) fragment="/points/00001/ranks/00000/events: event 0 has op" ;;
    events_field_renamed) fragment="has no field 't_end_ns'" ;;
    events_field_wrong_type) fragment="field 'iter' is a float" ;;
    events_all_fields_missing) fragment="has no field 'iter'" ;;
    events_no_checksum) fragment="has no fletcher32 checksum" ;;
    ops_unwritten) fragment="/ops declares 20000000 rows" ;;
    ops_id_mismatch) fragment="/ops row 1 has id 5" ;;
    ops_kind_unknown) fragment="has kind 'bogus'" ;;
    config_json_nested) fragment="config_json nests arrays or objects more than 64 levels deep" ;;
    config_json_wrong_types) fragment="config_json key '" ;;
    config_json_not_json) fragment="config_json is not valid JSON" ;;
    sweep_rows_values) fragment="has inplace 7" ;;
    sweep_wrong_negative) fragment="has wrong -5" ;;
    sweep_field_wrong_type) fragment="field 'size_bytes' is a float" ;;
    sweep_fits_missing) fragment="/collective_fits is missing" ;;
    sweep_notes_integer) fragment="attribute 'notes' of /collectives is an integer; expected a string" ;;
    sweep_rows_unwritten) fragment="/collectives declares 20000000 rows" ;;
    no_checksums) fragment="written without metadata checksums (HDF5 superblock version 0)" ;;
    events_chunk_flip) fragment="cannot read /ranks/00000/events: data error detected by Fletcher32 checksum" ;;
    # Inflated by flopwall (built with libdeflate), the message names the chunk.
    events_chunk_inflate)
      fragment="cannot read /ranks/00000/events: "
      [[ ${FLOPWALL_CHUNKS_INFLATED:-0} == 1 ]] && fragment="cannot read /ranks/00000/events: chunk 0 "
      ;;
  esac
  case $case_name in
    truncated)
      for seed in 0 1 2 3 4 5; do
        damaged "$case_name" "$seed" "$good"
        expect_refused "$work/bad.h5" "$fragment"
        damaged "$case_name" "$seed" "$dir/sweep.h5"
        expect_refused "$work/bad.h5" "$fragment"
      done
      ;;
    byte_flips)
      for seed in $(seq 1 12); do
        damaged "$case_name" "$seed" "$good"
        expect_refused "$work/bad.h5" "" allow_success
        damaged "$case_name" "$seed" "$dir/sweep.h5"
        expect_refused "$work/bad.h5" "" allow_success
      done
      ;;
    *)
      damaged "$case_name" 1 "$good"
      expect_refused "$work/bad.h5" "$fragment"
      ;;
  esac
  ;;
esac
