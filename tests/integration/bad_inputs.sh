#!/usr/bin/env bash
# Every bad input refused up front, end to end:
#   bad_inputs.sh --list                  the row names, one a line (ctest registers each)
#   bad_inputs.sh ROW FLOPWALL MPIEXEC    runs one row
#   bad_inputs.sh all FLOPWALL MPIEXEC    runs every row, reports each, fails if any failed
# Each row runs the real binary under `mpirun -np 2` in an empty temporary
# directory and must: exit 2, print exactly one line on stderr containing
# the row's fragment, end within k_limit_s seconds (nothing allocated or
# looped first), and leave the directory as it found it (no trace, no
# results/ folder).
set -uo pipefail

k_limit_s=15

# name | command | arguments (shell words) | expected fragment of the one stderr line
# A row may prepare its directory first: see setup() below.
rows=$(cat <<'TABLE'
run_hidden_overflow       | run | --hidden 4611686018427387904            | --hidden 4611686018427387904
serve_kv_hit_above        | run | --mode serve --prompt-len 8 --decode-steps 2 --kv-hit 1.5 | --kv-hit 1.5 is not valid; give a hit rate in [0, 1]
serve_kv_hit_nan          | run | --mode serve --prompt-len 8 --decode-steps 2 --kv-hit nan | --kv-hit nan is not valid
serve_kv_hit_negative     | run | --mode serve --prompt-len 8 --decode-steps 2 --kv-hit=-0.1 | --kv-hit -0.1 is not valid
serve_decode_steps_zero   | run | --mode serve --prompt-len 8 --decode-steps 0 --kv-hit 0 | --decode-steps 0 is not valid
serve_prompt_len_zero     | run | --mode serve --prompt-len 0 --decode-steps 2 --kv-hit 0 | --prompt-len 0 is not valid
serve_requests_zero       | run | --mode serve --prompt-len 8 --decode-steps 2 --kv-hit 0 --requests 0 | --requests 0 is not valid
serve_flag_without_mode   | run | --decode-steps 2                        | --decode-steps is a serve flag; give it with --mode serve
serve_mode_unknown        | run | --mode decode                           | --mode 'decode' is not valid; valid: prefill, serve, train
serve_int_count            | run | --backend cpu --mode serve --prompt-len 1000000 --decode-steps 1 --kv-hit 0 --requests 100 | the prefill's tensor-parallel allreduce has
serve_kv_cache_memory     | run | --backend cpu --mode serve --prompt-len 1000000 --decode-steps 1 --kv-hit 0.9999 --requests 5000 | the largest --requests that fits is
serve_moe                 | run | --mode serve --prompt-len 8 --decode-steps 2 --kv-hit 0 --moe-experts 4 | --moe-experts 4 with --mode serve is not supported
run_layers_int32          | run | --layers 2147483648                     | --layers 2147483648 is not valid; give an integer in [1, 119304647]
run_layers_memory         | run | --layers 100000000                      | --layers 100000000
run_seq_overflow          | run | --seq 1000000000000                     | --seq 1000000000000
run_seq_memory            | run | --seq 1000000                           | --seq 1000000
run_batch_overflow        | run | --batch 99999999999999999               | --batch 99999999999999999
run_batch_int_count       | run | --backend cpu --batch 1000000           | --batch 1000000
run_hidden_not_a_number   | run | --hidden lots                           | --hidden 'lots' is not valid
run_hidden_zero           | run | --hidden 0                              | --hidden 0 is not valid
run_iters_int_range       | run | --iters 3000000000                      | --iters 3000000000 is not valid; give an integer in [1, 2147483647]
run_iters_zero            | run | --iters 0                               | --iters 0 is not valid
run_iters_memory          | run | --iters 2000000000                      | --iters 2000000000
run_iters_events_memory   | run | --iters 3000000 --layers 1000           | --iters 3000000
run_warmup_range          | run | --warmup 2000000                        | --warmup 2000000 is not valid; give an integer in [0, 1000000]
run_threads_range         | run | --threads 4096                          | --threads 4096 is not valid; give an integer in [1, 1024]
run_resync_negative       | run | --resync-every=-1                       | --resync-every -1 is not valid
run_tp_range              | run | --tp 3000000000                         | --tp 3000000000 is not valid
run_timeout_inf           | run | --timeout inf                           | --timeout inf is not valid; give a finite number of seconds in (0, 1000000]
run_timeout_nan           | run | --timeout nan                           | --timeout nan is not valid
run_timeout_negative      | run | --timeout=-1                            | --timeout -1 is not valid
run_timeout_zero          | run | --timeout 0                             | --timeout 0 is not valid
run_timeout_huge          | run | --timeout 1e300                         | --timeout 1e300 is not valid
run_jitter_inf            | run | --inject-jitter inf                     | --inject-jitter inf is not valid; give a finite mean in microseconds in [0, 10000000]
run_jitter_negative       | run | --inject-jitter=-5                      | --inject-jitter -5 is not valid
run_delay_huge            | run | --inject-delay 0:1e300                  | --inject-delay '0:1e300' is not valid
run_delay_inf             | run | --inject-delay 0:inf                    | --inject-delay '0:inf' is not valid
run_delay_every_zero      | run | --inject-delay 0:5:0                    | --inject-delay '0:5:0' is not valid
run_delay_rank_outside    | run | --inject-delay 5:100                    | --inject-delay rank 5 is outside the job of 2 ranks
run_failure_negative      | run | --inject-failure=-1                     | --inject-failure -1 is not valid
run_positional            | run | foo                                     | unexpected argument 'foo'
run_positional_after      | run | --iters 2 bar                           | unexpected argument 'bar'
run_config_dir            | run | --config .                              | --config '.' is a directory
run_config_dev_zero       | run | --config /dev/zero                      | --config '/dev/zero' is not a regular file
run_config_fifo           | run | --config fifo.ini                       | --config 'fifo.ini' is not a regular file
run_config_big            | run | --config big.ini                        | give an INI file of at most 1048576 bytes
run_config_bad_value      | run | --config bad.ini                        | --timeout inf is not valid
run_config_missing        | run | --config nothing.ini                    | --config 'nothing.ini' cannot be read
run_out_empty             | run | --out ''                                | --out '' is not valid
run_unknown_option        | run | --bogus 1                               | unrecognised option '--bogus'
run_moe_topk_over         | run | --moe-experts 4 --moe-topk 5            | --moe-topk 5 is not valid with --moe-experts 4; give 1..4
run_moe_topk_zero         | run | --moe-experts 4 --moe-topk 0            | --moe-topk 0 is not valid with --moe-experts 4
run_moe_experts_ep        | run | --tp 1 --moe-experts 3 --ep 2           | --moe-experts 3 is not divisible by --ep 2
run_moe_dp_ep             | run | --moe-experts 4 --ep 2                  | --ep 2 does not divide the 1 data-parallel replicas
run_moe_capacity_zero     | run | --moe-experts 4 --moe-capacity 0        | --moe-capacity 0 is not valid
run_moe_skew_syntax       | run | --moe-experts 4 --moe-skew pareto       | --moe-skew 'pareto' is not valid; give uniform or zipf:S
run_moe_skew_exponent     | run | --moe-experts 4 --moe-skew zipf:-1      | --moe-skew 'zipf:-1' is not valid
run_moe_every_zero        | run | --moe-experts 4 --moe-every 0           | --moe-every 0 is not valid
run_moe_without_experts   | run | --moe-topk 2                            | --moe-topk needs --moe-experts
coll_stepfactor_inf       | collectives | -f inf                          | --stepfactor inf is not valid; give a finite factor in [2, 1000000]
coll_stepfactor_nan       | collectives | -f nan                          | --stepfactor nan is not valid
coll_stepfactor_huge      | collectives | -f 1e308                        | --stepfactor 1e308 is not valid
coll_stepfactor_small     | collectives | -f 1.5                          | --stepfactor 1.5 is not valid without --stepbytes
coll_stepbytes_one        | collectives | -i 1                            | --stepbytes 1 from --minbytes 8 to --maxbytes 33554432 gives 33554425 sizes; at most 100000
coll_stepbytes_wide       | collectives | -b 0 -e 1G -i 1K                | gives 1048577 sizes; at most 100000
coll_stepbytes_zero       | collectives | -i 0                            | --stepbytes 0 is not valid
coll_maxbytes_wrap        | collectives | -e 18014398509481985K           | --maxbytes '18014398509481985K' is too large
coll_minbytes_huge        | collectives | -b 99999999999999999999         | --minbytes '99999999999999999999' is too large
coll_maxbytes_memory      | collectives | --backend cpu -e 1000G          | --maxbytes 1073741824000
coll_size_suffix          | collectives | -b 1X                           | --minbytes '1X' is not valid
coll_iters_int_range      | collectives | -n 3000000000                   | --iters 3000000000 is not valid; give an integer in [1, 2147483647]
coll_iters_memory         | collectives | --backend cpu -n 2000000000     | --iters 2000000000
coll_warmup_range         | collectives | -w 2000000                      | --warmup_iters 2000000 is not valid; give an integer in [0, 1000000]
coll_timeout_inf          | collectives | --timeout inf                   | --timeout inf is not valid; give a finite number of seconds in (0, 1000000]
coll_timeout_nan          | collectives | --timeout nan                   | --timeout nan is not valid
coll_timeout_zero         | collectives | --timeout 0                     | --timeout 0 is not valid
coll_timeout_huge         | collectives | --timeout 1e300                 | --timeout 1e300 is not valid
coll_positional           | collectives | bar                             | unexpected argument 'bar'
coll_out_empty            | collectives | --out ''                        | --out '' is not valid
TABLE
)

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# Files a row needs in its directory before it runs.
setup() {
  case $1 in
  run_config_fifo) mkfifo fifo.ini ;;
  run_config_big) head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' '#' >big.ini ;;
  run_config_bad_value) printf 'model = tiny\ntimeout = inf\n' >bad.ini ;;
  esac
}

row_fields() {  # row_fields NAME → sets cmd, words, fragment; returns 1 when unknown
  local line name
  while IFS= read -r line; do
    IFS='|' read -r name cmd words fragment <<<"$line"
    name=$(trim "$name")
    if [[ $name == "$1" ]]; then
      cmd=$(trim "$cmd") words=$(trim "$words") fragment=$(trim "$fragment")
      return 0
    fi
  done <<<"$rows"
  return 1
}

run_row() {  # run_row NAME FLOPWALL MPIEXEC → 0 pass, 1 fail (says why)
  local name=$1 flopwall mpiexec=$3 cmd words fragment
  flopwall=$(realpath "$2")  # the row runs in its own directory
  row_fields "$name" || { echo "FAIL [$name]: no such row" >&2; return 1; }
  local work logs
  work=$(mktemp -d) logs=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$work' '$logs'" RETURN
  local args=()
  eval "args=($words)"  # the table's own shell words, e.g. --out ''
  (
    cd "$work" || exit 1
    setup "$name"
    find . -mindepth 1 | sort >"$logs/before"
    local rc=0 start end
    start=$(date +%s%N)
    # -q: mpirun's own banner on a non-zero exit is not flopwall's output.
    timeout $((k_limit_s + 30)) "$mpiexec" -q -np 2 --oversubscribe "$flopwall" "$cmd" "${args[@]}" \
      >"$logs/out" 2>"$logs/err" </dev/null || rc=$?
    end=$(date +%s%N)
    find . -mindepth 1 | sort >"$logs/after"
    local ms=$(((end - start) / 1000000)) lines
    lines=$(wc -l <"$logs/err")
    local why=""
    [[ $rc -eq 2 ]] || why+="exit code $rc (want 2); "
    [[ $lines -eq 1 ]] || why+="stderr has $lines lines (want 1); "
    grep -qF -- "$fragment" "$logs/err" || why+="stderr lacks '$fragment'; "
    [[ $ms -le $((k_limit_s * 1000)) ]] || why+="took ${ms} ms (limit ${k_limit_s} s); "
    local left
    left=$(comm -13 "$logs/before" "$logs/after")
    [[ -z $left ]] || why+="left behind: $(echo "$left" | tr '\n' ' '); "
    if [[ -n $why ]]; then
      echo "FAIL [$name] flopwall $cmd $words: ${why}stderr: $(head -c 2000 "$logs/err")" >&2
      exit 1
    fi
    echo "ok   [$name] ${ms} ms: $(cat "$logs/err")"
  )
}

case ${1:-} in
--list)
  while IFS='|' read -r name _; do trim "$name"; echo; done <<<"$rows"
  ;;
all)
  [[ $# -eq 3 ]] || { echo "usage: $0 all FLOPWALL MPIEXEC" >&2; exit 64; }
  failed=0
  while IFS='|' read -r name _; do run_row "$(trim "$name")" "$2" "$3" || failed=$((failed + 1)); done <<<"$rows"
  echo "$failed row(s) failed"
  [[ $failed -eq 0 ]]
  ;;
'' | -h | --help)
  sed -n '2,10p' "$0"
  exit 64
  ;;
*)
  [[ $# -eq 3 ]] || { echo "usage: $0 ROW FLOPWALL MPIEXEC" >&2; exit 64; }
  run_row "$1" "$2" "$3"
  ;;
esac
