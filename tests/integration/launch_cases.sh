#!/usr/bin/env bash
# What a launched job records and how it ends, one case per ctest entry:
#   launch_cases.sh CASE FLOPWALL MPIEXEC [PYTHON]
#   duration    --duration bounds the timed loop; --iters stays the most
#   placement   each rank's host, CPU affinity and interfaces, and the job section
#   topology    --topology presets: the variables they set, and the trace's record
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 python=${4:-python3}
case_timeout=150
here=$(cd "$(dirname "$0")" && pwd)
source "$here/case_lib.sh"
tiny=(--model tiny --layers 1 --warmup 1 --quiet)

case $case_name in
duration)
  # Refused with one line before anything runs (and before this case's traces exist).
  expect_usage_error "--duration 0 is not valid" mpi 1 "$flopwall" run "${tiny[@]}" --duration 0 --out x.h5
  expect_usage_error "--duration inf is not valid" mpi 1 "$flopwall" run "${tiny[@]}" --duration inf --out x.h5
  expect_usage_error "--duration 'soon' is not valid" mpi 1 "$flopwall" run "${tiny[@]}" --duration soon --out x.h5
  # Without --iters: as many iterations as pass in 0.5 s, a complete trace.
  mpi 2 "$flopwall" run "${tiny[@]}" --duration 0.5 --out d.h5 2>err.txt
  grep -q "^flopwall: --duration 0.5 s reached after [0-9]* timed iterations" err.txt || fail "no duration line: $(cat err.txt)"
  "$flopwall" report d.h5 --format json >d.json
  json_check d.json 'r["truncated"] is False and r["iterations"] > 5 and r["config"]["duration_s"] == 0.5 and r["config"]["iters"] > r["iterations"]'
  # The loop ends after the iteration that passes 0.5 s: the steps add up to about that.
  json_check d.json '0.5 <= r["step_time_s"]["mean"] * r["iterations"] < 0.5 + 0.5'
  "$flopwall" report d.h5 >d.txt
  grep -q -- "--duration 0.5 s (at most" d.txt || fail "the model line does not say --duration: $(grep '^model' d.txt)"
  # --iters bounds it first when it is the shorter.
  mpi 2 "$flopwall" run "${tiny[@]}" --iters 3 --duration 100 --out i.h5 2>/dev/null
  "$flopwall" report i.h5 --format json >i.json
  json_check i.json 'r["iterations"] == 3 and r["truncated"] is False'
  # A sweep's points each run that long.
  mpi 2 "$flopwall" sweep --param batch --values 1,2 -- "${tiny[@]}" --duration 0.3 --out s.h5 2>/dev/null
  "$flopwall" report s.h5 --format json >s.json
  json_check s.json 'all(p["iterations"] > 2 and not p["truncated"] for p in r["sweep"]["points"])'
  ;;

placement)
  mpi 2 "$flopwall" run "${tiny[@]}" --iters 2 --out p.h5 2>/dev/null
  "$flopwall" report p.h5 --format json >p.json
  host=$(hostname)
  json_check p.json "r['job']['scheduler'] == 'none' and r['job']['nodes'] == 1 and len(r['job']['placement']) == 2"
  json_check p.json "all(x['hostname'] == '$host' and x['cpu_affinity'] != '' for x in r['job']['placement'])"
  json_check p.json "[x['local_rank'] for x in r['job']['placement']] == [0, 1]"
  # The affinity is the process's own: what taskset reports for a rank of this job.
  "$python" - p.json <<'PY' || fail "cpu_affinity is not a CPU list"
import json, os, re, sys
r = json.load(open(sys.argv[1]))
for x in r["job"]["placement"]:
    assert re.fullmatch(r"\d+(-\d+)?(,\d+(-\d+)?)*", x["cpu_affinity"]), x
    cpus = set()
    for part in x["cpu_affinity"].split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    assert cpus <= set(range(os.cpu_count())), (cpus, os.cpu_count())
PY
  "$flopwall" report p.h5 >p.txt
  grep -q "^job        not a SLURM job" p.txt || fail "no job line: $(cat p.txt)"
  grep -q "^placement" p.txt || fail "no placement table"
  "$flopwall" report p.h5 --format csv >p.csv
  grep -Eq "^p\.h5,[a-z]+,2,tiny,placement,1,cpus,[1-9][0-9]*$" p.csv || fail "csv lacks the placement rows"
  grep -Eq "^p\.h5,[a-z]+,2,tiny,job,all,nodes,1$" p.csv || fail "csv lacks the job rows"
  # A SLURM job's ids, told by its variables (no SLURM here: set as srun would).
  SLURM_JOB_ID=4242 SLURM_STEP_ID=0 SLURM_JOB_NODELIST="$host" SLURM_JOB_NUM_NODES=1 SLURM_TASKS_PER_NODE="2" \
    mpi 2 -x SLURM_JOB_ID -x SLURM_STEP_ID -x SLURM_JOB_NODELIST -x SLURM_JOB_NUM_NODES -x SLURM_TASKS_PER_NODE \
    "$flopwall" run "${tiny[@]}" --iters 2 --out j.h5 2>/dev/null
  "$flopwall" report j.h5 --format json >j.json
  json_check j.json "r['job']['scheduler'] == 'slurm' and r['job']['slurm_job_id'] == '4242' and r['job']['slurm_step_id'] == '0'"
  json_check j.json "r['job']['slurm_nodelist'] == '$host' and r['job']['slurm_nnodes'] == '1' and r['job']['slurm_tasks_per_node'] == '2'"
  "$flopwall" report j.h5 >j.txt
  grep -q "^job        SLURM job 4242 step 0; nodes $host (1), tasks per node 2" j.txt || fail "job line: $(grep '^job' j.txt)"
  # A collective sweep's trace records the same.
  mpi 2 "$flopwall" collectives -b 8 -e 64 -n 2 -w 1 --out c.h5 >/dev/null
  "$flopwall" report c.h5 --format json >c.json
  json_check c.json "len(r['job']['placement']) == 2 and all(x['cpu_affinity'] for x in r['job']['placement'])"
  ;;

topology)
  # Refused with one line, before anything runs.
  expect_usage_error "--topology 'bogus' is not valid; valid: default, nvls" mpi 2 "$flopwall" run "${tiny[@]}" --topology bogus --out x.h5
  expect_usage_error "--topology ring is an NCCL preset, for the cuda backend; the cpu backend's presets are: default, shm, tcp" \
    mpi 2 "$flopwall" run "${tiny[@]}" --backend cpu --topology ring --out x.h5
  # In a --config file it would be read after MPI_Init, too late to apply.
  mkdir -p fixtures && printf 'topology = tcp\n' >fixtures/topology.ini
  expect_usage_error "--topology tcp was not applied: give it on the command line" \
    mpi 2 "$flopwall" run "${tiny[@]}" --config fixtures/topology.ini --out x.h5
  expect_usage_error "sets OMPI_MCA_btl=self,tcp, but the environment has OMPI_MCA_btl=self,vader" \
    env OMPI_MCA_btl=self,vader "$mpiexec" -q -np 2 --oversubscribe -x OMPI_MCA_btl "$flopwall" collectives --backend cpu -b 8 -e 8 --topology tcp
  # The preset's variables reach MPI_Init: an 8-byte allreduce over TCP is
  # several times slower than over shared memory, and the traces say which is which.
  sweep=(collectives --backend cpu --collective allreduce -b 8 -e 64K -f 8 -n 40 -w 5)
  mpi 2 "$flopwall" "${sweep[@]}" --topology shm --out shm.h5 >/dev/null
  mpi 2 "$flopwall" "${sweep[@]}" --topology tcp --out tcp.h5 >/dev/null
  "$flopwall" compare shm.h5 tcp.h5 --format json >c.json
  json_check c.json 'next(x for x in r["rows"] if x["key"] == "coll/allreduce/world/8/out" and x["metric"] == "time_s")["ratio"][1] > 2'
  json_check c.json 'next(x for x in r["rows"] if x["key"] == "coll/allreduce/world/8/out" and x["metric"] == "time_s")["significant"][1]'
  json_check c.json '{d["what"]: d["values"] for d in r["differences"]}["meta.topology_preset"] == ["shm", "tcp"]'
  json_check c.json '{d["what"]: d["values"] for d in r["differences"]}["env.OMPI_MCA_btl"] == ["self,vader", "self,tcp"]'
  mpi 2 "$flopwall" run "${tiny[@]}" --iters 2 --topology default --out d.h5 2>/dev/null
  "$flopwall" report d.h5 --format json >d.json
  json_check d.json 'r["config"]["topology"] == "default" and r["meta"]["topology_preset"] == "default" and r["meta"]["topology_variables"] == ""'
  # launch/compare-topologies.sh: one job per preset, then one comparison.
  script=$here/../../launch/compare-topologies.sh
  FLOPWALL_BIN=$flopwall MPIRUN=$mpiexec "$script" --out-dir tops shm,tcp -- "${sweep[@]}" --format json >tops.txt 2>tops.err ||
    fail "compare-topologies.sh: $(cat tops.err)"
  [[ -f tops/shm.h5 && -f tops/tcp.h5 ]] || fail "compare-topologies.sh wrote $(ls tops)"
  grep -q "flopwall compare  2 runs, baseline shm.h5" tops.txt || fail "no comparison: $(head -5 tops.txt)"
  rc=0
  FLOPWALL_BIN=$flopwall "$script" shm -- collectives >/dev/null 2>err.txt || rc=$?
  [[ $rc -eq 2 ]] && grep -q "give two or more" err.txt || fail "one preset: exit $rc, $(cat err.txt)"
  rc=0
  FLOPWALL_BIN=$flopwall "$script" shm,tcp -- collectives --out x.h5 >/dev/null 2>err.txt || rc=$?
  [[ $rc -eq 2 ]] && grep -q "drop --out" err.txt || fail "--out: exit $rc, $(cat err.txt)"
  ;;

*) fail "unknown case" ;;
esac
echo "PASS [$case_name]"
