#!/usr/bin/env bash
# The fault matrix as tests: signals, dead and stopped ranks, full disks and
# concurrent writers, one case per ctest entry:
#   fault_cases.sh CASE FLOPWALL MPIEXEC
# Every case checks the trace contract: a file at the --out path is one
# job's complete, valid trace, and a failure leaves no file (nor a
# temporary one) behind.
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3
work=$(mktemp -d)
cleanup() {
  cd /
  mountpoint -q "$work/disk" 2>/dev/null && umount "$work/disk"
  rm -rf "$work"
}
trap cleanup EXIT
# A test killed by ctest's timeout still unmounts its tmpfs.
trap 'exit 143' TERM INT
cd "$work"

fail() { echo "FAIL [$case_name]: $*" >&2; [[ -f job.log ]] && sed 's/^/  job.log: /' job.log >&2; exit 1; }
skip() { echo "SKIP [$case_name]: $*"; exit 0; }

# Starts a job in the background, its output in job.log and its exit code in
# job.rc once it ends (set +e: the code is the point, not a reason to quit).
start_job() {
  rm -f job.rc
  (set +e; timeout 150 "$mpiexec" -q --oversubscribe "$@" </dev/null >job.log 2>&1; echo $? >job.rc) &
}
# Waits for the background job; prints its exit code and the seconds waited.
wait_job() {
  local waited=0
  while [[ ! -f job.rc ]] && (( waited < 140 )); do sleep 1; waited=$((waited + 1)); done
  wait || true
  echo "$(cat job.rc) $waited"
}
# The pid of world rank $2 of the job writing to $1 (its --out path: an
# absolute path in this case's own folder, so no other test's job matches).
rank_pid() {
  local out=$1 rank=$2 pid
  for _ in $(seq 100); do
    for pid in $(pgrep -f -- "--out $out" || true); do
      if tr '\0' '\n' </proc/"$pid"/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$rank"; then echo "$pid"; return; fi
    done
    sleep 0.2
  done
  fail "could not find rank $rank"
}
# Asks rank $2 (pid) for its status until it reports a timed iteration:
# earlier it may still be starting up, and the case is about the timed loop.
# SIGUSR1's default action kills: waits until process $1 catches it.
wait_for_status_handler() {
  for _ in $(seq 100); do
    (( 0x$(sed -n 's/^SigCgt:\s*//p' /proc/"$1"/status 2>/dev/null || echo 0) & (1 << 9) )) && return
    sleep 0.1
  done
  fail "process $1 never installed its SIGUSR1 handler"
}
wait_for_timed_loop() {
  local pid=$1 rank=$2
  wait_for_status_handler "$pid"
  for _ in $(seq 60); do
    kill -USR1 "$pid" 2>/dev/null || fail "rank $rank is gone"
    sleep 0.5
    grep -Eq "^rank $rank: status: last completed .*iteration [0-9]+\)" job.log && return
  done
  fail "rank $rank never reached the timed loop"
}
no_files_left() {
  local left
  left=$(find . -path ./disk -prune -o \( -name '*.h5' -o -name '*.tmp' \) -print; [[ -d disk ]] && find disk -name '*.h5*' -o -name '*.tmp' || true)
  [[ -z $left ]] || fail "files left behind: $left"
}
# An integer root attribute of a trace (h5dump ships with the HDF5 tools).
root_attribute() { h5dump -a "/$2" "$1" | sed -n 's/^ *(0): *\([0-9-]*\).*/\1/p'; }
report_json() { "$flopwall" report "$1" --format json >"$1.json" || fail "report of $1 failed"; }
json_value() { python3 -c "import json,sys; print($2)" <"$1"; }

run_long() { start_job -np "$1" "$flopwall" run --model tiny --iters 1000000 --warmup 1 --quiet --backend cpu "${@:2}"; }

# A graceful stop: the job must end 0 (or mpirun's own code $3), keep a
# complete trace flagged truncated, and say how many iterations it kept.
expect_graceful_stop() {
  local rc_and_time=$1 signal=$2 want_rc=${3:-0} rc
  rc=${rc_and_time% *}
  [[ $rc == "$want_rc" ]] || fail "exit code $rc, want $want_rc"
  grep -Eq "^flopwall: stopped by $signal: kept [0-9]+ of 1000000 timed iterations; wrote $work/stop.h5 \(truncated\)" job.log ||
    fail "no 'stopped by $signal' line"
  [[ $(grep -c "stopped by" job.log) -eq 1 ]] || fail "the stop was said more than once"
  [[ $(root_attribute stop.h5 truncated) == 1 && $(root_attribute stop.h5 complete) == 1 ]] ||
    fail "trace not complete + truncated"
  report_json stop.h5
  local kept
  kept=$(sed -n 's/.*kept \([0-9]*\) of.*/\1/p' job.log)
  [[ $(json_value stop.h5.json 'json.load(sys.stdin)["iterations"]') == "$kept" ]] || fail "the report's iterations differ from the $kept kept"
  [[ $(json_value stop.h5.json 'json.load(sys.stdin)["truncated"]') == True ]] || fail "the report does not say truncated"
  [[ -z $(find . -name '*.tmp') ]] || fail "temporary file left"
}

case $case_name in
stop_usr2_mpirun)
  # SIGUSR2 to mpirun: Open MPI forwards it to every rank.
  run_long 2 --out "$work/stop.h5"
  wait_for_timed_loop "$(rank_pid "$work/stop.h5" 0)" 0
  pkill -USR2 -f -- "^$mpiexec -q .*--out $work/stop.h5"
  expect_graceful_stop "$(wait_job)" SIGUSR2
  ;;
stop_sweep)
  # A sweep stopped in its first point keeps that point's completed iterations, flagged truncated, and no other.
  start_job -np 2 "$flopwall" sweep --param batch --values 1,2,4 -- --model tiny --layers 1 --iters 1000000 \
    --warmup 1 --quiet --backend cpu --out "$work/stop.h5"
  wait_for_timed_loop "$(rank_pid "$work/stop.h5" 0)" 0
  pkill -USR2 -f -- "^$mpiexec -q .*--out $work/stop.h5"
  read -r rc _ <<<"$(wait_job)"
  [[ $rc == 0 ]] || fail "exit code $rc, want 0"
  grep -Eq "^flopwall: stopped by SIGUSR2: kept 1 of 3 points; wrote $work/stop.h5 \(truncated\)" job.log ||
    fail "no 'stopped by SIGUSR2' line"
  [[ $(root_attribute stop.h5 truncated) == 1 && $(root_attribute stop.h5 complete) == 1 ]] ||
    fail "trace not complete + truncated"
  report_json stop.h5
  [[ $(json_value stop.h5.json 'json.load(sys.stdin)["sweep"]["values_planned"]') == 3 ]] || fail "values_planned"
  [[ $(json_value stop.h5.json '[(p["value"], p["truncated"]) for p in json.load(sys.stdin)["sweep"]["points"]]') == "[(1.0, True)]" ]] ||
    fail "the report's points are not the one truncated point: $(head -c 400 stop.h5.json)"
  [[ -z $(find . -name '*.tmp') ]] || fail "temporary file left"
  ;;
stop_term_rank)
  # SIGTERM to one rank only (as a batch system may deliver it): the others learn it.
  run_long 4 --out "$work/stop.h5"
  victim=$(rank_pid "$work/stop.h5" 2)
  wait_for_timed_loop "$victim" 2
  kill -TERM "$victim"
  expect_graceful_stop "$(wait_job)" SIGTERM
  ;;
stop_term_repeated)
  # The same SIGTERM twice within milliseconds, as SLURM 22.05 delivers its
  # time limit to a step's tasks: one graceful stop, not a hard one.
  run_long 2 --out "$work/stop.h5"
  victim=$(rank_pid "$work/stop.h5" 1)
  wait_for_timed_loop "$victim" 1
  kill -TERM "$victim"
  sleep 0.05  # two signals sent at once merge into one pending signal
  kill -TERM "$victim"
  expect_graceful_stop "$(wait_job)" SIGTERM
  grep -q "second stop signal" job.log && fail "a repeat within half a second ended the rank at once"
  ;;
stop_term_mpirun)
  # SIGTERM to mpirun: forwarded to the ranks, which stop gracefully; Open
  # MPI then kills them after odls_base_sigkill_timeout (1 s by default),
  # so a job that wants its trace sets it longer, and mpirun itself exits 1.
  export OMPI_MCA_odls_base_sigkill_timeout=10
  run_long 2 --out "$work/stop.h5"
  wait_for_timed_loop "$(rank_pid "$work/stop.h5" 0)" 0
  pkill -TERM -f -- "^$mpiexec -q .*--out $work/stop.h5"
  expect_graceful_stop "$(wait_job)" SIGTERM 1
  ;;
stop_twice)
  # A second signal ends the process at once: no trace, no temporary file.
  # Rank 0 is stopped first, so rank 1 cannot finish its graceful stop
  # before the second signal comes.
  run_long 2 --out "$work/stop.h5"
  peer=$(rank_pid "$work/stop.h5" 0)
  victim=$(rank_pid "$work/stop.h5" 1)
  wait_for_timed_loop "$victim" 1
  kill -STOP "$peer"
  kill -TERM "$victim"
  sleep 1
  kill -TERM "$victim"
  read -r rc waited <<<"$(wait_job)"
  kill -KILL "$peer" 2>/dev/null || true
  [[ $rc != 0 ]] || fail "a hard stop reported success"
  grep -q "second stop signal; ending at once" job.log || fail "no hard-stop line"
  (( waited <= 10 )) || fail "took ${waited}s to end"
  no_files_left
  ;;
stop_collectives)
  start_job -np 2 "$flopwall" collectives --backend cpu -b 8 -e 64M -n 200 -w 1 --out "$work/stop.h5"
  victim=$(rank_pid "$work/stop.h5" 1)
  for _ in $(seq 50); do grep -q "^ *[0-9]" job.log && break; sleep 0.2; done
  kill -USR2 "$victim"
  read -r rc _ <<<"$(wait_job)"
  [[ $rc == 0 ]] || fail "exit code $rc"
  grep -Eq "^flopwall: stopped by SIGUSR2: kept the [0-9]+ rows measured before it" job.log || fail "no stop line"
  [[ $(root_attribute stop.h5 truncated) == 1 ]] || fail "sweep trace not flagged truncated"
  report_json stop.h5
  [[ $(json_value stop.h5.json 'json.load(sys.stdin)["truncated"]') == True ]] || fail "the report does not say truncated"
  ;;
kill9_run)
  # A rank killed outright: mpirun ends the job; nothing is written.
  run_long 4 --timeout 5 --out "$work/dead.h5"
  victim=$(rank_pid "$work/dead.h5" 3)
  wait_for_timed_loop "$victim" 3
  kill -KILL "$victim"
  read -r rc waited <<<"$(wait_job)"
  [[ $rc != 0 ]] || fail "the job reported success"
  (( waited <= 5 + 5 )) || fail "took ${waited}s to end"
  no_files_left
  ;;
sigstop_collectives)
  # A stopped rank in a sweep: the others name it within --timeout.
  start_job -np 4 "$flopwall" collectives --backend cpu -b 1K -e 1M -n 100000 -w 1 --timeout 3 --out "$work/hang.h5"
  victim=$(rank_pid "$work/hang.h5" 2)
  wait_for_status_handler "$victim"
  for _ in $(seq 50); do kill -USR1 "$victim"; sleep 0.3; grep -q "^rank 2: status: .*B\.world" job.log && break; done
  kill -STOP "$victim"
  read -r rc waited <<<"$(wait_job)"
  kill -KILL "$victim" 2>/dev/null || true
  [[ $rc != 0 ]] || fail "the job reported success"
  grep -Eq "^rank [013]: timed out .*(waiting for rank 2 |not responding)" job.log || fail "no survivor named rank 2"
  (( waited <= 3 + 8 )) || fail "took ${waited}s to end"
  no_files_left
  ;;
full_disk_run | full_disk_collectives)
  [[ $(id -u) -eq 0 ]] || skip "needs root to mount a small tmpfs"
  mkdir disk
  mount -t tmpfs -o size=48k tmpfs disk 2>/dev/null || skip "cannot mount a tmpfs here"
  if [[ $case_name == full_disk_run ]]; then
    start_job -np 2 "$flopwall" run --model tiny --iters 300 --warmup 0 --quiet --backend cpu --timeout 120 --out disk/full.h5
  else
    start_job -np 2 "$flopwall" collectives --backend cpu -b 8 -e 1M -n 200 -w 0 --timeout 120 --out disk/full.h5
  fi
  read -r rc waited <<<"$(wait_job)"
  [[ $rc == 1 ]] || fail "exit code $rc, want 1"
  grep -Eq "^rank [0-9]+: cannot write disk/full.h5: No space left on device$" job.log || fail "no ENOSPC line"
  (( waited <= 90 )) || fail "took ${waited}s: the write hung (--timeout 120 would end it at 120 s)"
  [[ -z $(ls -A disk) ]] || fail "left in the full file system: $(ls -A disk)"
  ;;
same_out_concurrent)
  # Two jobs, one --out, different configurations: the file that stays is
  # one job's whole trace (its FLOPs match its own header), the other job is
  # refused with a clear line, and no temporary file stays.
  (set +e; timeout 120 "$mpiexec" -q --oversubscribe -np 2 "$flopwall" run --iters 30 --warmup 0 --quiet --backend cpu --batch 1 --out same.h5 </dev/null >a.log 2>&1; echo $? >a.rc) &
  (set +e; timeout 120 "$mpiexec" -q --oversubscribe -np 2 "$flopwall" run --iters 30 --warmup 0 --quiet --backend cpu --batch 2 --out same.h5 </dev/null >b.log 2>&1; echo $? >b.rc) &
  wait
  rcs="$(cat a.rc) $(cat b.rc)"
  [[ $rcs == "0 1" || $rcs == "1 0" || $rcs == "0 2" || $rcs == "2 0" ]] || fail "exit codes $rcs: want one success and one refusal"
  grep -hq -e "already exists; give --overwrite" -e "another file took this name" a.log b.log || fail "no refusal line: $(cat a.log b.log)"
  report_json same.h5
  json_value same.h5.json 'int((lambda r: r["model_flops_per_iter"] == 205520896 * r["config"]["batch"])(json.load(sys.stdin)))' | grep -qx 1 ||
    fail "the trace's FLOPs do not match its own configuration"
  [[ -z $(find . -name '*.tmp') ]] || fail "temporary file left"
  ;;
default_names_concurrent)
  # Four jobs at once with default names: four distinct, valid traces.
  for j in 1 2 3 4; do
    (set +e; timeout 120 "$mpiexec" -q --oversubscribe -np 1 "$flopwall" run --iters 3 --warmup 0 --quiet --backend cpu </dev/null >"$j.log" 2>&1; echo $? >"$j.rc") &
  done
  wait
  [[ $(cat 1.rc 2.rc 3.rc 4.rc | tr -d '\n') == 0000 ]] || fail "a job failed: $(cat ./*.log)"
  [[ $(find results -name '*-run.h5' | wc -l) -eq 4 ]] || fail "want 4 files: $(ls results)"
  for f in results/*-run.h5; do report_json "$f"; done
  ;;
slurm_default_name)
  # Array tasks of one job get distinct names that say which task wrote them.
  SLURM_JOB_ID=77 SLURM_ARRAY_JOB_ID=70 SLURM_ARRAY_TASK_ID=3 \
    timeout 60 "$mpiexec" -q --oversubscribe -np 1 "$flopwall" run --iters 2 --warmup 0 --quiet --backend cpu 2>job.log
  ls results/*-j70_3-*-run.h5 >/dev/null 2>&1 || fail "no job and task ids in the name: $(ls results)"
  ;;
existing_out)
  "$mpiexec" -q --oversubscribe -np 1 "$flopwall" run --iters 2 --warmup 0 --quiet --backend cpu --out x.h5 2>/dev/null
  before=$(md5sum <x.h5)
  rc=0
  "$mpiexec" -q --oversubscribe -np 2 "$flopwall" run --iters 2 --warmup 0 --quiet --backend cpu --out x.h5 2>err.txt || rc=$?
  [[ $rc == 2 && $(wc -l <err.txt) == 1 ]] || fail "exit $rc: $(cat err.txt)"
  grep -q "'x.h5' already exists; give --overwrite to replace it" err.txt || fail "$(cat err.txt)"
  [[ $(md5sum <x.h5) == "$before" ]] || fail "the existing file changed"
  "$mpiexec" -q --oversubscribe -np 2 "$flopwall" run --iters 2 --warmup 0 --quiet --backend cpu --out x.h5 --overwrite 2>/dev/null ||
    fail "--overwrite refused"
  [[ $(md5sum <x.h5) != "$before" ]] || fail "--overwrite did not replace the file"
  report_json x.h5
  mkfifo pipe
  for target in pipe /dev/null; do
    rc=0
    "$mpiexec" -q --oversubscribe -np 2 "$flopwall" run --iters 2 --quiet --backend cpu --overwrite --out "$target" 2>err.txt || rc=$?
    [[ $rc == 2 ]] && grep -q "which is never replaced" err.txt || fail "$target: exit $rc: $(cat err.txt)"
  done
  [[ -c /dev/null ]] || fail "/dev/null is no longer a device"
  ;;
long_out_name)
  # A 250-byte name: the temporary name stays short enough for MPI-IO's own
  # helper files, and the trace arrives under the full name.
  name=$(printf 'n%.0s' $(seq 247)).h5
  "$mpiexec" -q --oversubscribe -np 2 "$flopwall" run --iters 2 --warmup 0 --quiet --backend cpu --out "$name" 2>job.log ||
    fail "a 250-byte --out failed"
  report_json "$name"
  rc=0
  "$mpiexec" -q --oversubscribe -np 2 "$flopwall" run --iters 2 --quiet --backend cpu --out "n$name$name" 2>err.txt || rc=$?
  [[ $rc == 2 ]] && grep -q "at most 255 are valid" err.txt || fail "an over-long name: exit $rc: $(cat err.txt)"
  ;;
*) fail "unknown case" ;;
esac
echo "PASS [$case_name]"
