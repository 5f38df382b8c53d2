#!/usr/bin/env bash
# End-to-end checks of the flopwall binary, one case per ctest entry:
#   cli_cases.sh CASE FLOPWALL MPIEXEC [PYTHON]
# Each case runs the real binary (under mpirun where it needs ranks) and reads
# the HDF5 trace back through `flopwall report` or Python.
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 python=${4:-python3}
here=$(cd "$(dirname "$0")" && pwd)
source "$(dirname "$0")/case_lib.sh"

run_tiny() { mpi 2 "$flopwall" run --model tiny --iters 5 --warmup 1 --quiet "$@"; }

case $case_name in
serve_report)
  # One wave: 2 requests, prompt 16 (half of it cached), 3 decode steps, TP 2.
  run_tiny --backend cpu --mode serve --prompt-len 16 --decode-steps 3 --kv-hit 0.5 --requests 2 --out serve.h5 2>log.txt
  "$flopwall" report serve.h5 --format json >r.json
  for key in ttft_s tpot_s request_latency_s; do
    json_check r.json "0 < r['serve']['$key']['p50'] <= r['serve']['$key']['p99']"
  done
  json_check r.json 'r["serve"]["tokens_per_s"] > 0 and r["serve"]["waves"] == 5'
  # tiny: 2 · layers 2 · hidden 256 · 4 bytes per token; 2 requests x (16 + 3) positions
  json_check r.json 'r["serve"]["kv_bytes_per_token"] == 4096 and r["serve"]["kv_bytes_total"] == 4096 * 2 * 19'
  json_check r.json 'r["serve"]["max_batch_for_memory"] is None or r["serve"]["max_batch_for_memory"] >= 2'
  json_check r.json '{o["name"] for o in r["ops"]} >= {"cached_attention", "decode_attention", "decode_allreduce_mlp"}'
  json_check r.json 'next(o for o in r["ops"] if o["name"] == "decode_attention")["count"] == 2 * 5 * 3 * 2'
  "$flopwall" report serve.h5 >r.txt
  grep -q "time to first token" r.txt || fail "no serve section in the text report"
  "$flopwall" report serve.h5 --format csv >r.csv
  grep -q ",serve,all,tpot_p99_s," r.csv || fail "no serve rows in the CSV"
  ;;
run_and_report)
  run_tiny --out run.h5 2>log.txt
  [[ -f run.h5 && ! -e run.h5.tmp ]] || fail "trace not written or .tmp left"
  "$flopwall" report run.h5 --format json >r.json
  # tiny: 128 tokens · 2 layers · (8h² + 4hf + 2hs) = 411 041 792 model FLOPs
  json_check r.json 'r["world_size"] == 2 and r["iterations"] == 5'
  json_check r.json 'r["model_flops_per_iter"] == 411041792'
  json_check r.json 'all(k in r["step_time_s"] for k in ("p50", "p99", "max"))'
  json_check r.json 'r["step_time_s"]["p50"] > 0 and r["step_time_s"]["p50"] <= r["step_time_s"]["max"]'
  json_check r.json 'abs(r["tflops_per_rank"] - 411041792 / (r["step_time_s"]["p50"] * 2) / 1e12) < 1e-9'
  json_check r.json 'len(r["ranks"]) == 2 and {o["name"] for o in r["ops"]} >= {"qkv_proj", "allreduce_attn", "gelu"}'
  json_check r.json 'sum(o["count"] for o in r["ops"]) == 2 * 5 * 2 * 14'
  json_check r.json 'all(k["compute_s"] > 0 and k["comm_s"] > 0 for k in r["ranks"])'
  # Only the main thread calls MPI, so it asks for no more than SINGLE (a
  # higher level makes Open MPI lock every call: docs/collectives.md).
  h5dump -a /meta/mpi_thread_level run.h5 | grep -q '"single"' || fail "mpi_thread_level is not single"
  ;;
run_moe_report)
  # tiny with 4 experts, top-2, EP groups of 2 replicas (np 4, tp 1: dp 4).
  mpi 4 "$flopwall" run --model tiny --tp 1 --moe-experts 4 --moe-topk 2 --ep 2 --moe-capacity 1.0 \
    --moe-skew zipf:1.2 --iters 2 --warmup 1 --quiet --out moe.h5 2>log.txt
  "$flopwall" report moe.h5 --format json >r.json
  "$flopwall" report moe.h5 >r.txt
  grep -q '^mixture of experts: 4 experts, top-2, ep 2' r.txt || fail "no MoE section: $(cat r.txt)"
  # Per MoE layer 4h²+4h + hE + E·2hf in all, hE + K·2hf of it active (h 256, f 1024).
  json_check r.json 'r["moe"]["params_total"] == 2 * (263168 + 1024 + 4 * 524288)'
  json_check r.json 'r["moe"]["params_active_per_token"] == 2 * (263168 + 1024 + 2 * 524288)'
  json_check r.json 'abs(r["moe"]["active_flops_per_token"] - r["model_flops_per_iter"] / (4 * 128)) < 1e-6'
  json_check r.json 'r["moe"]["alltoall_imbalance"] >= 1'
  json_check r.json '0 < r["moe"]["dropped_tokens"] < r["moe"]["assignments"] == 4 * 128 * 2 * 2'
  json_check r.json '{"moe_dispatch", "moe_combine_a2a", "moe_expert_up"} <= {o["name"] for o in r["ops"]}'
  h5dump -a /meta/moe_json moe.h5 | grep -q 'dispatch_bytes' || fail "no moe_json in /meta"
  run_tiny --out dense.h5 2>log.txt
  "$flopwall" report dense.h5 --format json >d.json
  json_check d.json '"moe" not in r'
  ;;
run_default_out)
  run_tiny 2>log.txt
  ls results/*-run.h5 >/dev/null 2>&1 || fail "no results/<timestamp>-run.h5"
  "$flopwall" report results/*-run.h5 >/dev/null
  ;;
report_formats)
  run_tiny --out run.h5 2>/dev/null
  "$flopwall" report run.h5 >r.txt
  grep -q "model FLOPs per iteration" r.txt || fail "text report lacks the FLOPs line"
  grep -q "qkv_proj" r.txt && grep -q "hardware and software" r.txt || fail "text report lacks sections"
  "$flopwall" report run.h5 --format csv >r.csv
  head -1 r.csv | grep -qx "file,backend,world_size,model,table,key,metric,value" || fail "csv header"
  # Every row names its run first: file, backend (cpu or cuda, as the default picks), world size, model.
  grep -Eq "^run\.h5,[a-z]+,2,tiny,run,all,model_flops_per_iter,411041792$" r.csv ||
    fail "csv model flops: $(grep model_flops r.csv)"
  grep -Eq "^run\.h5,[a-z]+,2,tiny,sync_ranks,1,wait_s,[0-9.e-]+$" r.csv || fail "csv lacks the sync rows"
  ;;
config_file)
  printf 'model = tiny\nlayers = 1\niters = 4\nwarmup = 0\ndtype = fp64\n' >run.ini
  mpi 2 "$flopwall" run --config run.ini --out run.h5 --quiet 2>/dev/null
  "$flopwall" report run.h5 --format json >r.json
  # one layer: 128 · (8·256² + 4·256·1024 + 2·256·64) = 205 520 896
  json_check r.json 'r["iterations"] == 4 and r["model_flops_per_iter"] == 205520896'
  json_check r.json 'r["config"]["dtype"] == "fp64"'
  ;;
progress_plain)
  # Not a terminal: a plain line at every 10%, never a carriage return.
  mpi 2 "$flopwall" run --model tiny --iters 20 --warmup 0 --out run.h5 2>err.txt
  [[ $(grep -c "^iteration " err.txt) -eq 10 ]] || fail "want 10 progress lines: $(cat err.txt)"
  ! grep -q $'\r' err.txt || fail "carriage return in a non-terminal log"
  mpi 2 "$flopwall" run --model tiny --iters 20 --warmup 0 --out run2.h5 --quiet 2>err.txt
  ! grep -q "^iteration " err.txt || fail "--quiet still printed progress"
  ;;
version_and_help)
  "$flopwall" --version >v.txt
  for k in backends mpi_library hdf5 boost openblas; do grep -q "$k" v.txt || fail "--version lacks $k"; done
  # Whole outputs to files first: `grep -q` closing a pipe early would fail the pipeline.
  "$flopwall" run --help >h.txt && grep -q -- "--tp" h.txt || fail "run --help"
  "$flopwall" report --help >h.txt && grep -q -- "--format" h.txt || fail "report --help"
  "$flopwall" collectives --help >h.txt && grep -q -- "--stepfactor" h.txt || fail "collectives --help"
  ;;
bad_tp_heads)    expect_usage_error "--heads 4 is not divisible by --tp 3" mpi 3 "$flopwall" run --out x.h5 ;;
bad_tp_ffn)      expect_usage_error "--ffn 1022 is not divisible by --tp 4" mpi 4 "$flopwall" run --ffn 1022 --out x.h5 ;;
bad_world_tp)    expect_usage_error "world size 2 is not a multiple of --tp 4" mpi 2 "$flopwall" run --tp 4 --out x.h5 ;;
bad_preset)      expect_usage_error "--model 'gpt9' is not a known preset" mpi 2 "$flopwall" run --model gpt9 --out x.h5 ;;
bad_dtype)
  expect_usage_error "--dtype 'fp12' is not valid" mpi 2 "$flopwall" run --dtype fp12 --out x.h5
  expect_usage_error "--dtype fp16 is not supported by the cpu backend; valid: fp32, fp64, bf16" \
    mpi 2 "$flopwall" run --backend cpu --dtype fp16 --out x.h5
  ;;
bad_backend)     expect_usage_error "--backend 'tpu' is not valid" mpi 2 "$flopwall" run --backend tpu --out x.h5 ;;
bad_nonpositive) expect_usage_error "--hidden 0 is not valid" mpi 2 "$flopwall" run --hidden 0 --out x.h5 ;;
bad_iters)       expect_usage_error "--iters -3 is not valid" mpi 2 "$flopwall" run --iters=-3 --out x.h5 ;;
bad_out)
  expect_usage_error "directory '/nonexistent/dir' does not exist" mpi 2 "$flopwall" run --out /nonexistent/dir/x.h5
  mkdir adir
  expect_usage_error "is a directory" mpi 2 "$flopwall" run --out adir
  ;;
bad_option)      expect_usage_error "unrecognised option '--bogus'" mpi 2 "$flopwall" run --bogus 1 ;;
report_missing)  expect_usage_error "does not exist" "$flopwall" report nothing-here.h5 ;;
report_not_hdf5)
  mkdir fixtures && echo "not hdf5" >fixtures/fake.h5
  expect_usage_error "is not an HDF5 file" "$flopwall" report fixtures/fake.h5
  ;;
report_not_trace)
  mkdir fixtures
  run_tiny --out fixtures/run.h5 2>/dev/null
  # h5copy writes the oldest format; -L rewrites it with checksummed metadata,
  # so the reader gets as far as the missing schema attribute.
  h5copy -i fixtures/run.h5 -o fixtures/old.h5 -s /meta -d /meta
  h5repack -L fixtures/old.h5 fixtures/other.h5
  expect_usage_error "is not a flopwall trace: it has no 'schema' attribute" "$flopwall" report fixtures/other.h5
  ;;
report_bad_format)
  mkdir fixtures
  run_tiny --out fixtures/run.h5 2>/dev/null
  expect_usage_error "--format 'xml' is not valid" "$flopwall" report fixtures/run.h5 --format xml
  ;;
rank_failure_aborts)
  rc=0
  start=$(date +%s)
  mpi 2 "$flopwall" run --model tiny --out run.h5 --inject-failure 1 >out.txt 2>err.txt || rc=$?
  elapsed=$(( $(date +%s) - start ))
  [[ $rc -ne 0 && $rc -ne 124 ]] || fail "exit code $rc: the job should abort, not succeed or hang"
  grep -q "^rank 1: failure injected" err.txt || fail "no 'rank 1: message' line: $(cat err.txt)"
  [[ $elapsed -lt 60 ]] || fail "took ${elapsed}s to abort"
  [[ ! -e run.h5 && ! -e run.h5.tmp ]] || fail "a trace file was left behind"
  ;;
coll_sweep_json)
  mpi 2 "$flopwall" collectives --backend cpu -b 8 -e 64K -f 4 -n 5 -w 1 --format json >r.json
  json_check r.json 'r["wrong_total"] == 0 and len(r["results"]) == 2 * 7'
  json_check r.json 'set(r["results"][0]) >= {"collective", "tier", "size_bytes", "count", "dtype", "inplace", "time_us", "algbw_gbs", "busbw_gbs", "wrong", "p50_us", "p99_us", "max_us"}'
  # allreduce on 2 ranks: busbw = algbw · 2(n−1)/n = algbw; algbw = size / time
  json_check r.json 'all(abs(x["busbw_gbs"] - x["algbw_gbs"]) < 1e-9 and abs(x["algbw_gbs"] - x["size_bytes"] / 1e3 / x["time_us"]) < 1e-6 * x["algbw_gbs"] for x in r["results"])'
  json_check r.json 'all(x["p50_us"] <= x["max_us"] and x["p99_us"] <= x["max_us"] for x in r["results"])'
  json_check r.json 'len(r["fits"]) == 1 and r["fits"][0]["alpha_us"] is not None and "avg_busbw_gbs" in r'
  ;;
coll_time_from_events)
  # time is nccl-tests' figure: each rank's mean over the iterations, then
  # the slowest rank (-a 3); recomputed here from the trace's events.
  mpi 2 "$flopwall" collectives --backend cpu -b 64 -e 4K -f 8 -n 7 -w 1 -a 3 --format json --out s.h5 >r.json
  "$python" - r.json s.h5 <<'PY' || fail "time_us is not the slowest rank's mean"
import json, sys
import h5py
rows = json.load(open(sys.argv[1]))["results"]
with h5py.File(sys.argv[2], "r") as f:
    ids = {name.decode(): i for i, name in zip(f["ops"]["id"], f["ops"]["name"])}
    ranks = [f["ranks"][r]["events"][:] for r in f["ranks"]]
assert rows
for x in rows:
    op = ids[f'allreduce.{x["size_bytes"]}B.world.{"ip" if x["inplace"] else "oop"}']
    means = [(e["t_end_ns"] - e["t_start_ns"])[e["op"] == op].mean() for e in ranks]
    assert abs(x["time_us"] - max(means) / 1e3) <= 1e-6 * x["time_us"], (x, means)
PY
  ;;
coll_all_trace_report)
  mpi 3 "$flopwall" collectives --backend cpu --collective all -b 64 -e 4K -f 8 -n 3 -w 1 -r 2 --out sweep.h5 >out.txt
  grep -q "# Out of bounds values : 0 OK" out.txt || fail "sweep text: $(tail -3 out.txt)"
  [[ -f sweep.h5 && ! -e sweep.h5.tmp ]] || fail "no sweep trace"
  "$flopwall" report sweep.h5 --format json >r.json
  json_check r.json '{x["collective"] for x in r["results"]} == {"allreduce", "allgather", "reducescatter", "alltoall", "broadcast", "reduce", "sendrecv"}'
  # alltoall on 3 ranks: busbw = algbw · 2/3; broadcast: busbw = algbw
  json_check r.json 'all(abs(x["busbw_gbs"] - x["algbw_gbs"] * 2 / 3) < 1e-9 * x["algbw_gbs"] for x in r["results"] if x["collective"] == "alltoall")'
  json_check r.json 'all(x["busbw_gbs"] == x["algbw_gbs"] for x in r["results"] if x["collective"] == "broadcast")'
  "$flopwall" report sweep.h5 >r.txt
  grep -q "sendrecv on tier world" r.txt || fail "report text lacks the sweep table"
  ;;
coll_tiers_pretend)
  # Four ranks posing as two nodes of two.
  timeout 120 "$mpiexec" -q -np 4 --oversubscribe bash -c \
    'FLOPWALL_NODE=n$((OMPI_COMM_WORLD_RANK / 2)) exec "$0" collectives --backend cpu --tier all -b 1K -e 64K -f 4 -n 3 -w 1 --format json' \
    "$flopwall" >r.json
  json_check r.json '{x["tier"] for x in r["results"]} == {"world", "intra", "inter"}'
  json_check r.json '{f["tier"] for f in r["fits"]} == {"world", "intra", "inter"} and r["wrong_total"] == 0'
  ;;
coll_rounding_note)
  mpi 2 "$flopwall" collectives --backend cpu --collective allgather -b 10 -e 10 -n 2 >out.txt
  grep -q "note: allgather 10 B rounded to 8 B" out.txt || fail "no rounding note: $(cat out.txt)"
  ;;
coll_bad_range)     expect_usage_error "--minbytes 1048576 is above --maxbytes 1024" mpi 2 "$flopwall" collectives -b 1M -e 1K ;;
coll_bad_step)      expect_usage_error "--stepfactor 1.5 is not valid without --stepbytes" mpi 2 "$flopwall" collectives -f 1.5 ;;
coll_bad_names)
  expect_usage_error "--collective 'gather' is not valid" mpi 2 "$flopwall" collectives --collective gather
  expect_usage_error "--op 'xor' is not valid" mpi 2 "$flopwall" collectives -o xor
  expect_usage_error "--datatype 'float128' is not valid" mpi 2 "$flopwall" collectives -d float128
  ;;
coll_bad_for_backend)
  expect_usage_error "--datatype half is not supported by the cpu backend" mpi 2 "$flopwall" collectives --backend cpu -d half
  expect_usage_error "--op avg is not supported by the cpu backend" mpi 2 "$flopwall" collectives --backend cpu -o avg
  ;;
coll_bad_root)
  expect_usage_error "--root 2 is outside the broadcast communicator of 2 ranks" \
    mpi 2 "$flopwall" collectives --backend cpu --collective broadcast -r 2
  ;;
sync_delay)
  # A 50 ms busy-wait on one rank before every iteration's first compute op:
  # that rank must top the stragglers and the largest skew must be the delay.
  sync_delay_once() {
    local np=$1 victim=$2
    mpi "$np" "$flopwall" run --model tiny --iters 10 --warmup 1 --quiet --inject-delay "$victim:50000" --out "d$np.h5" 2>/dev/null
    "$flopwall" report "d$np.h5" --format json >r.json
    "$python" - r.json "$victim" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sync"]; victim = int(sys.argv[2])
assert s["stragglers"] and s["stragglers"][0]["rank"] == victim, s["stragglers"]
assert abs(s["skew_us"]["max"] - 50000) <= 0.2 * 50000, s["skew_us"]
assert max(k["wait_s"] for k in s["ranks"] if k["rank"] != victim) > 0.04, s["ranks"]
PY
  }
  # Arrival statistics on a shared 2-core machine: one retry before failing.
  for layout in "2 1" "4 2"; do
    sync_delay_once $layout || sync_delay_once $layout || fail "injected delay not found ($layout)"
  done
  ;;
sync_quiet)
  sync_quiet_once() {
    mpi 2 "$flopwall" run --model tiny --iters 40 --warmup 3 --quiet --out q.h5 2>/dev/null
    "$flopwall" report q.h5 --format json >r.json
    "$python" - r.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sync"]
assert s["stragglers"] == [], s["stragglers"]
assert all(k in s["step_time_s"] for k in ("p50", "p90", "p99", "p999", "max"))
assert all(set(k) >= {"rank", "compute_s", "comm_s", "wait_s"} for k in s["ranks"])
PY
  }
  sync_quiet_once || sync_quiet_once || fail "a quiet run flagged a straggler"
  ;;
sync_jitter)
  # The tail grows with the jitter. p90 − p50 of the step time, not p99: on a
  # shared 2-core machine one scheduler hiccup of tens of ms sets p99 alone,
  # while an exponential jitter of mean 30 ms per rank moves p90 − p50 by ~50 ms.
  mpi 2 "$flopwall" run --model tiny --iters 100 --warmup 3 --quiet --inject-jitter 0 --out j0.h5 2>/dev/null
  mpi 2 "$flopwall" run --model tiny --iters 100 --warmup 3 --quiet --inject-jitter 30000 --out j30.h5 2>/dev/null
  "$flopwall" report j0.h5 --format json >r0.json
  "$flopwall" report j30.h5 --format json >r30.json
  "$python" - r0.json r30.json <<'PY' || fail "the step-time spread did not grow with the jitter"
import json, sys
spread = [(lambda s: s["p90"] - s["p50"])(json.load(open(p))["sync"]["step_time_s"]) for p in sys.argv[1:]]
print("p90 - p50:", spread)
assert spread[1] > spread[0] + 0.015, spread
PY
  ;;
hang_sigstop)
  # Stop one rank of four in the middle of a run: the others must name it and
  # the job must end within --timeout plus a few seconds, leaving no trace file.
  out=$work/hang.h5
  (timeout 150 "$mpiexec" -q -np 4 --oversubscribe "$flopwall" run --iters 1000000 --quiet --timeout 3 --out "$out" \
     >hang.out 2>&1; echo "rc=$?" >>hang.out) &
  victim_pid="" victim_rank=2
  for _ in $(seq 100); do
    sleep 0.2
    for pid in $(pgrep -f -- "--out $out"); do
      if tr '\0' '\n' </proc/"$pid"/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$victim_rank"; then victim_pid=$pid; fi
    done
    [[ -n $victim_pid ]] && break
  done
  [[ -n $victim_pid ]] || fail "could not find rank $victim_rank"
  # Ask for status until the victim reports an op of the timed loop (iteration
  # >= 0): earlier it may still be in start-up (clock synchronisation), which
  # on an oversubscribed machine can outlast the deadline this test checks.
  for _ in $(seq 60); do
    sleep 1
    kill -USR1 "$victim_pid" 2>/dev/null || break  # gone: said below, with the job's output
    sleep 0.2
    grep -Eq "^rank $victim_rank: status: last completed .*iteration [0-9]+\)" hang.out && break
  done
  if ! kill -STOP "$victim_pid" 2>/dev/null; then
    wait
    cat hang.out
    fail "rank $victim_rank ended before it could be stopped (the job's output is above)"
  fi
  stopped=$(date +%s)
  wait
  elapsed=$(( $(date +%s) - stopped ))
  cat hang.out
  grep -q "^rank $victim_rank: status: " hang.out || fail "SIGUSR1 printed no status line"
  grep -E "^rank [013]: timed out .*waiting for rank $victim_rank " hang.out >/dev/null || fail "no survivor named rank $victim_rank"
  grep -q "^rc=0" hang.out && fail "the job reported success"
  (( elapsed <= 3 + 8 )) || fail "took ${elapsed}s after the stop to end"
  [[ ! -e $out && ! -e $out.tmp ]] || fail "a trace file was left behind"
  ;;
cuda_no_device)
  # CUDA_VISIBLE_DEVICES='' hides every GPU, so this path is the same on any machine.
  start=$(date +%s)
  CUDA_VISIBLE_DEVICES= expect_usage_error "no CUDA device is visible: CUDA_VISIBLE_DEVICES='' hides every device" \
    mpi 2 "$flopwall" run --backend cuda --out x.h5
  [[ $(( $(date +%s) - start )) -lt 30 ]] || fail "took too long to refuse"
  ;;
cuda_default_falls_back)
  CUDA_VISIBLE_DEVICES= mpi 2 "$flopwall" run --iters 2 --warmup 0 --quiet --out run.h5 2>err.txt
  [[ $(grep -c "using the cpu backend" err.txt) -eq 1 ]] || fail "want the fallback said once: $(cat err.txt)"
  "$flopwall" report run.h5 --format json >r.json
  json_check r.json 'r["backend"] == "cpu"'
  ;;
cuda_plugin_missing)
  # A binary whose plugin is not there (FLOPWALL_CUDA_PLUGIN names a file
  # that is not): --version and cpu runs work, --backend cuda says so.
  export FLOPWALL_CUDA_PLUGIN=$work/gone/libflopwall_cuda.so
  "$flopwall" --version >v.txt
  grep -qF "cuda_plugin    $FLOPWALL_CUDA_PLUGIN (not loaded)" v.txt || fail "--version: $(cat v.txt)"
  mpi 2 "$flopwall" run --backend cpu --iters 2 --warmup 0 --quiet --out cpu.h5 || fail "cpu run failed"
  rm -f cpu.h5
  expect_usage_error "--backend cuda: the CUDA plugin $FLOPWALL_CUDA_PLUGIN does not exist" \
    mpi 2 "$flopwall" run --backend cuda --out x.h5
  expect_usage_error "--backend cuda: the CUDA plugin $FLOPWALL_CUDA_PLUGIN does not exist" \
    mpi 2 "$flopwall" collectives --backend cuda -b 8 -e 8
  ;;
cuda_plugin_not_plugin)
  # Any other shared library in its place: no entry point.
  FLOPWALL_CUDA_PLUGIN=libm.so.6 expect_usage_error "libm.so.6 is not a flopwall CUDA plugin" \
    mpi 2 "$flopwall" run --backend cuda --out x.h5
  ;;
cuda_plugin_stale)
  # A plugin from another build: refused by its ABI version, in one line.
  FLOPWALL_CUDA_PLUGIN=$FLOPWALL_STALE_PLUGIN expect_usage_error \
    "--backend cuda: the CUDA plugin $FLOPWALL_STALE_PLUGIN is from another build (plugin ABI 999999" \
    mpi 2 "$flopwall" run --backend cuda --out x.h5
  ;;
python_read_trace)
  run_tiny --out run.h5 2>/dev/null
  "$python" "$here/../python/read_trace.py" run.h5 >py.txt || fail "read_trace.py failed"
  grep -q "qkv_proj" py.txt || fail "python example output: $(cat py.txt)"
  ;;
*) fail "unknown case" ;;
esac
echo "PASS [$case_name]"
