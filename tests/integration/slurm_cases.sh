#!/usr/bin/env bash
# The SLURM templates (launch/slurm/*.sbatch) under a real one-host SLURM
# (tests/launch/local-slurm.sh), one ctest entry per case:
#   slurm_cases.sh CASE FLOPWALL [PYTHON]
# Cases:
#   up          bring the cluster up (the ctest fixture's setup)
#   down        take it down (the fixture's cleanup; safe twice)
#   jobs        (a) a 2-task job through flopwall.sbatch, its trace and SLURM
#               metadata; (b) a long run stopped by `scancel --signal=USR2`
#               (the ranks directly) and by `scancel --batch --signal=USR2`
#               (the template's trap forwards it): COMPLETED, truncated trace;
#               (d) a 4-point manifest through scaling.sbatch --submit
#   time_limit  (c) --time=1: the template's USR2 warning (90 s > 1 min, so
#               it comes at the first check) and, with the warning turned
#               off, the limit's own SIGTERM; each leaves a truncated trace
#               and no temporary file
# jobs and time_limit share one cluster and run side by side (ctest -j):
# time_limit mostly waits for SLURM's clock. Exit 77: no SLURM here.
#
# The cluster's state is in $FLOPWALL_SLURM_DIR (tests/cmake/slurm_tests.cmake
# sets it). The test bed node claims more CPUs and fake GPUs than the
# machine has (FLOPWALL_SLURM_CPUS/GPUS) so that these small jobs run at once;
# each job asks for 1 CPU per task and may share the node (--oversubscribe
# undoes the template's --exclusive).
set -euo pipefail

case_name=$1 flopwall=$2 python=${3:-python3}
export mpiexec=mpirun  # for case_lib.sh's mpi(), unused here
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
local_slurm=$repo/tests/launch/local-slurm.sh
export FLOPWALL_SLURM_DIR=${FLOPWALL_SLURM_DIR:-/tmp/flopwall-slurm-ctest}
export FLOPWALL_SLURM_CPUS=${FLOPWALL_SLURM_CPUS:-16} FLOPWALL_SLURM_GPUS=${FLOPWALL_SLURM_GPUS:-8}
export SLURM_CONF=$FLOPWALL_SLURM_DIR/slurm.conf
export FLOPWALL_BIN=$flopwall
# More busy ranks than cores here: ranks waiting in MPI give their core away.
export OMPI_MCA_mpi_yield_when_idle=1
# Small jobs that share the node: one CPU per task, the node not exclusive
# (each submission also gives --ntasks-per-node = -n: the template's 8 is more
# tasks than these jobs have, which sbatch refuses).
small=(--cpus-per-task=1 --oversubscribe)

case $case_name in
up) exec "$local_slurm" up ;;
down) exec "$local_slurm" down ;;
esac

# shellcheck source-path=SCRIPTDIR source=case_lib.sh
source "$here/case_lib.sh"
jobs_started=()
# Nothing of a failed case keeps running on the shared cluster.
trap 'for j in "${jobs_started[@]}"; do scancel "$j" 2>/dev/null || true; done; rm -rf "$work"' EXIT
# Brings the cluster up if the fixture has not (a case run alone); 77 passes through.
"$local_slurm" up >/dev/null || exit $?

# submit SBATCH_ARGS...: sets $job (not in a subshell: jobs_started must keep it).
submit() {
  job=$(sbatch --parsable "$@") || fail "sbatch refused: $*"
  job=${job%%;*}
  jobs_started+=("$job")
}
# job_field JOB FIELD: a field of `scontrol show job` (finished jobs stay MinJobAge = 30 s).
# Whole outputs are captured before they are searched: `producer | grep -q`
# can end the producer by SIGPIPE, and pipefail then reads that as no match.
job_field() {
  local record
  record=$(scontrol show job "$1" 2>/dev/null || true)
  tr ' ' '\n' <<<"$record" | sed -n "s/^$2=//p" | sed -n 1p
}
# wait_job JOB SECONDS: until the job (every task of an array) has ended; prints nothing.
wait_job() {
  local deadline=$((SECONDS + $2))
  while [[ -n $(squeue -h -j "$1" 2>/dev/null || true) ]]; do
    [[ $SECONDS -lt $deadline ]] || fail "job $1 still $(job_field "$1" JobState) after $2 s: $(cat ./*.out 2>/dev/null | tail -n 20)"
    sleep 0.5
  done
}
# wait_running JOB: until its srun step has started.
wait_running() {
  local deadline=$((SECONDS + 60))
  until [[ $'\n'$(squeue -h -s -j "$1" -o '%i' 2>/dev/null || true)$'\n' == *$'\n'"$1.0"$'\n'* ]]; do
    [[ $SECONDS -lt $deadline ]] || fail "job $1 has no running step after 60 s (state $(job_field "$1" JobState))"
    sleep 0.2
  done
}
# ranks_catch_usr1 PATTERN N: N processes on this host whose command line
# matches PATTERN (the ranks, not srun) catch SIGUSR1 (/proc/PID/status
# SigCgt, bit 10).
ranks_catch_usr1() {
  local pid mask n=0
  for pid in $(pgrep -f -- "^$1" || true); do
    mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [[ -n $mask ]] && (( 0x$mask & 0x200 )) && n=$((n + 1))
  done
  [[ $n -ge $2 ]]
}
expect_state() {
  local state code
  state=$(job_field "$1" JobState) code=$(job_field "$1" ExitCode)
  [[ $state == "$2" && $code == "$3" ]] || fail "job $1: $state exit $code (want $2 exit $3): $(cat "$4")"
}
no_leftovers() {
  local left
  left=$(find . -name '*.tmp' -o -name '*.h5.*' | head -n 5)
  [[ -z $left ]] || fail "temporary files left: $left"
}

# (a) 2 tasks, one fake GPU each; the flopwall arguments pass through.
case_submit() {
  local job
  submit -n 2 --ntasks-per-node=2 "${small[@]}" -o a.out "$repo/launch/slurm/flopwall.sbatch" run --model tiny --iters 20 --out "$work/a.h5" --quiet
  wait_job "$job" 120
  expect_state "$job" COMPLETED 0:0 a.out
  [[ -f a.h5 ]] || fail "no a.h5: $(cat a.out)"
  "$flopwall" report a.h5 --format json >a.json || fail "report a.h5 failed"
  json_check a.json "r['world_size'] == 2 and r['truncated'] == 0 and r['meta']['slurm_job_id'] == '$job'"
  [[ $(job_field "$job" TresPerTask) == *gpu:1 ]] || fail "job $job has no --gpus-per-task=1"
  json_check a.json "r['meta']['slurm_nnodes'] == '1' and r['meta']['slurm_tasks_per_node'] == '2'"
  json_check a.json "r['meta']['slurm_step_id'] == '0' and r['meta']['slurm_nodelist'] == '$(hostname -s)'"
  json_check a.json "r['job']['slurm_job_id'] == '$job' and r['job']['slurm_nnodes'] == '1'"
  "$flopwall" report a.h5 >a.txt
  grep -q "^job        SLURM job $job step 0" a.txt || fail "the text report has no 'job' line: $(grep -A1 '^job' a.txt)"
  echo "case a: job $job COMPLETED, 2 ranks, slurm_job_id $job"
}

# (b) a long run stopped by SIGUSR2: to the ranks ($1 empty) or to the batch shell ($1 = --batch).
case_usr2() {
  local how=$1 name=b${1:+-batch} job
  submit -n 2 --ntasks-per-node=2 "${small[@]}" -o "$name.out" "$repo/launch/slurm/flopwall.sbatch" run --model tiny --iters 100000 --out "$work/$name.h5" --quiet
  wait_running "$job"
  [[ ! -e $name.h5 ]] || fail "$name.h5 exists before the signal"
  # Past start-up and warm-up, into the timed loop: a stop before the first
  # timed iteration writes no trace (by design). Start-up takes from 0.3 s to
  # well over 5 s when other jobs share the 2 cores, so ask the ranks where
  # they are (SIGUSR1: a status line, the run goes on) until one has
  # completed a timed iteration (warm-up iterations are numbered below 0).
  # SIGUSR1 only once both ranks catch it: before flopwall installs its
  # handler, the signal's default action would end the rank.
  local deadline=$((SECONDS + 90))
  until ranks_catch_usr1 "$flopwall run .*--out $work/$name.h5" 2; do
    [[ $SECONDS -lt $deadline ]] || fail "job $job: its ranks never started: $(cat "$name.out")"
    sleep 0.2
  done
  until grep -Eq "status: last completed .*iteration [0-9]+\)" "$name.out" 2>/dev/null; do
    [[ $SECONDS -lt $deadline ]] || fail "job $job never reached its timed loop: $(cat "$name.out")"
    scancel --signal=USR1 "$job.0" 2>/dev/null || true
    sleep 0.5
  done
  scancel ${how:+"$how"} --signal=USR2 "$job" || fail "scancel $how --signal=USR2 $job failed"
  wait_job "$job" 120
  expect_state "$job" COMPLETED 0:0 "$name.out"
  grep -q "stopped by SIGUSR2" "$name.out" || fail "no graceful stop in $name.out: $(cat "$name.out")"
  "$flopwall" report "$name.h5" --format json >"$name.json" || fail "report $name.h5 failed: $(cat "$name.out")"
  json_check "$name.json" "r['truncated'] == 1 and 0 < r['iterations'] < 100000 and r['world_size'] == 2"
  local attr
  for attr in complete truncated; do
    h5dump -a "/$attr" "$name.h5" | grep -q '(0): 1' || fail "$name.h5: root attribute $attr is not 1"
  done
  no_leftovers
  echo "case b ($name): job $job COMPLETED, truncated trace of $("$python" -c "import json; print(json.load(open('$name.json'))['iterations'])" ) iterations"
}

# (d) a 4-point manifest, every point on one node: --submit makes one 4-task
# array, then a compare job.
case_scaling() {
  cat >points.txt <<'POINTS'
# batch sweep, one rank per point
nodes=1 run --model tiny --iters 10 --quiet --batch 1

nodes=1 run --model tiny --iters 10 --quiet --batch 2   # a trailing comment
nodes=1 run --model tiny --iters 10 --quiet --batch 4
nodes=1 run --model tiny --iters 10 --quiet --batch "8"
POINTS
  "$repo/launch/slurm/scaling.sbatch" --submit points.txt -n 1 --ntasks-per-node=1 "${small[@]}" >submit.txt || fail "scaling.sbatch --submit: $(cat submit.txt)"
  local arrays compare
  mapfile -t arrays < <(sed -n 's/^scaling.sbatch: array job \([0-9]*\):.*/\1/p' submit.txt)
  compare=$(sed -n 's/^scaling.sbatch: compare job \([0-9]*\) .*/\1/p' submit.txt)
  [[ ${#arrays[@]} -eq 1 && -n $compare ]] || fail "want one array and a compare job: $(cat submit.txt)"
  jobs_started+=("${arrays[@]}" "$compare")
  local j
  for j in "${arrays[@]}"; do wait_job "$j" 180; done
  local traces=(results/*-j"${arrays[0]}"_*.h5)
  # Four tasks of the one array, each its own trace: results/<UTC>-j<array>_<task>-<random>-run.h5.
  [[ ${#traces[@]} -eq 4 && -f ${traces[0]} && -f ${traces[3]} ]] || fail "want 4 traces: $(ls -R results 2>&1; cat ./*.out)"
  [[ $(printf '%s\n' "${traces[@]}" | sort -u | wc -l) -eq 4 ]] || fail "trace names collide: ${traces[*]}"
  local t batches=()
  for t in "${traces[@]}"; do
    "$flopwall" report "$t" --format json >t.json || fail "report $t failed"
    batches+=("$("$python" -c "import json; print(json.load(open('t.json'))['config']['batch'])")")
  done
  [[ $(printf '%s\n' "${batches[@]}" | sort -n | tr '\n' ' ') == "1 2 4 8 " ]] || fail "batches ${batches[*]} (want 1 2 4 8)"
  wait_job "$compare" 120
  local table=scaling-${arrays[0]}.out
  expect_state "$compare" COMPLETED 0:0 "$table"
  grep -q . "$table" || fail "the compare table is empty"
  no_leftovers
  echo "case d: arrays ${arrays[*]}: 4 traces (${traces[*]}), batches ${batches[*]}; compare job $compare"
}

# (c) --time=1. With the template's --signal=B:USR2@90 the warning is due at
# once (slurmctld sends it at its next periodic check, within ~30 s): USR2,
# COMPLETED. With --signal=B:USR2@0 (no warning) the limit's SIGTERM stops
# the run; SLURM checks limits every ~30 s, so it may end up to 30 s late,
# and KillWait=30 later comes SIGKILL. The job's state is then TIMEOUT.
case_time_limit() {
  local job warned limited
  # Side by side: the limited job mostly waits for SLURM's clock.
  submit --time=1 --signal=B:USR2@0 -n 1 --ntasks-per-node=1 "${small[@]}" -o c-limit.out "$repo/launch/slurm/flopwall.sbatch" run --model tiny --iters 10000000 --out "$work/c-limit.h5" --quiet
  limited=$job
  submit --time=1 -n 1 --ntasks-per-node=1 "${small[@]}" -o c-warned.out "$repo/launch/slurm/flopwall.sbatch" run --model tiny --iters 10000000 --out "$work/c-warned.h5" --quiet
  warned=$job
  wait_job "$warned" 100
  expect_state "$warned" COMPLETED 0:0 c-warned.out
  grep -q "stopped by SIGUSR2" c-warned.out || fail "no USR2 stop: $(cat c-warned.out)"
  # slurmctld's first check may come while the job starts: then the stop is
  # graceful too, but before any timed iteration, with no trace to write.
  if grep -q "stopped by SIGUSR2 before the first timed iteration" c-warned.out; then
    [[ ! -e c-warned.h5 ]] || fail "a stop before the first timed iteration left c-warned.h5"
    echo "case c (USR2 warning): job $warned COMPLETED, stopped during start-up, no trace (as documented)"
  else
    "$flopwall" report c-warned.h5 --format json >c-warned.json || fail "report c-warned.h5 failed"
    json_check c-warned.json "r['truncated'] == 1"
    echo "case c (USR2 warning): job $warned COMPLETED, truncated trace"
  fi
  wait_job "$limited" 150
  [[ $(job_field "$limited" JobState) == TIMEOUT ]] || fail "job $limited: $(job_field "$limited" JobState) (want TIMEOUT)"
  grep -q "stopped by SIGTERM" c-limit.out || fail "no graceful SIGTERM stop: $(cat c-limit.out)"
  "$flopwall" report c-limit.h5 --format json >c-limit.json || fail "report c-limit.h5 failed"
  json_check c-limit.json "r['truncated'] == 1"
  no_leftovers
  echo "case c (time limit): job $limited TIMEOUT, truncated trace"
}

case $case_name in
jobs)
  case_submit
  case_usr2 ""
  case_usr2 --batch
  case_scaling
  ;;
time_limit) case_time_limit ;;
*) fail "unknown case" ;;
esac
