#!/usr/bin/env bash
# A one-host SLURM cluster for rehearsing the sbatch templates
# (launch/slurm/*.sbatch) and for their tests (tests/integration/slurm_cases.sh).
#
#   tests/launch/local-slurm.sh up       start munged, slurmctld and slurmd; wait until the node is idle
#   tests/launch/local-slurm.sh down     stop what `up` started and remove the state folder (safe twice)
#   tests/launch/local-slurm.sh status   sinfo and squeue of the local cluster
#   tests/launch/local-slurm.sh env      print `export SLURM_CONF=...` for eval in a shell
#
# Environment:
#   FLOPWALL_SLURM_DIR   state folder: slurm.conf, keys, sockets, spool, logs,
#                        fake GPU device files (default /tmp/flopwall-slurm)
#   FLOPWALL_SLURM_GPUS  fake GPUs on the node (default 2)
#   FLOPWALL_SLURM_CPUS  CPUs the node advertises (default 4 x nproc, see below)
#
# Every SLURM command needs SLURM_CONF=$FLOPWALL_SLURM_DIR/slurm.conf: without
# it the Debian client looks the controller up by DNS SRV records and fails.
# Exits 77 (the tests' "skipped") with one line when this machine cannot host
# the cluster: not root, a daemon or the pmix plugin missing.
set -euo pipefail

dir=${FLOPWALL_SLURM_DIR:-/tmp/flopwall-slurm}
gpus=${FLOPWALL_SLURM_GPUS:-2}
# More CPUs than the machine has (slurmd accepts it with
# SlurmdParameters=config_overrides): a test bed on 2 cores can then run
# several small jobs side by side, as a real node runs several jobs' tasks.
cpus=${FLOPWALL_SLURM_CPUS:-$(($(nproc) * 4))}
node=$(hostname -s)
plugins=/usr/lib/x86_64-linux-gnu/slurm-wlm
export SLURM_CONF=$dir/slurm.conf

skip() { echo "local-slurm.sh: skipped: $*" >&2; exit 77; }
die() { echo "local-slurm.sh: $*" >&2; exit 1; }

preflight() {
  [[ $(id -u) -eq 0 ]] || skip "needs root (slurmd runs jobs as their users, munged and slurmctld as root here)"
  local tool
  for tool in munged mungekey slurmctld slurmd sbatch srun sinfo scontrol; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || skip "$tool is not installed (apt-get install slurm-wlm munge)"
  done
  [[ -f $plugins/mpi_pmix.so ]] || skip "SLURM's pmix plugin ($plugins/mpi_pmix.so) is missing"
  [[ $gpus =~ ^[1-9][0-9]?$ ]] || die "FLOPWALL_SLURM_GPUS must be 1..99, not '$gpus'"
  [[ $cpus =~ ^[1-9][0-9]*$ ]] || die "FLOPWALL_SLURM_CPUS must be a positive whole number, not '$cpus'"
}

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
# Two neighbouring free ports above the default 6817/6818, so that a system
# SLURM on this machine (or another test bed) keeps its own.
pick_ports() {
  local p
  for ((p = 16817; p < 16917; p += 2)); do
    if port_free "$p" && port_free $((p + 1)); then
      echo "$p"
      return
    fi
  done
  die "no two free TCP ports in 16817..16917"
}

# Character devices with the NVIDIA major (195): slurmd stats gres.conf's
# File= paths; with task/none nothing opens them. CUDA_VISIBLE_DEVICES is
# still set per task, which is what the templates exercise.
make_fake_gpus() {
  mkdir -p "$dir/dev"
  local i
  for ((i = 0; i < gpus; i++)); do
    [[ -c $dir/dev/fakegpu$i ]] || mknod "$dir/dev/fakegpu$i" c 195 "$i"
  done
}

write_conf() {
  local port=$1
  cat >"$dir/slurm.conf" <<CONF
# Written by tests/launch/local-slurm.sh; one node, everything under $dir.
ClusterName=flopwall-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd.%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups needed: the processes are tracked by their parent pids, and
# tasks are not bound (a container or CI runner may not delegate cgroups).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=pmix
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
GresTypes=gpu
# A job's steps get SIGTERM at the limit and SIGKILL KillWait s later: 30 s
# for flopwall to finish its iteration and write the truncated trace.
KillWait=30
# Finished jobs leave scontrol's view after 30 s (the tests read their state first).
MinJobAge=30
InactiveLimit=0
ReturnToService=2
SlurmdTimeout=60
SlurmctldTimeout=60
# The node may claim more CPUs than the machine has (see FLOPWALL_SLURM_CPUS).
SlurmdParameters=config_overrides
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=$cpus Gres=gpu:$gpus State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
  local last=$((gpus - 1))
  if [[ $last -eq 0 ]]; then
    echo "NodeName=$node Name=gpu File=$dir/dev/fakegpu0" >"$dir/gres.conf"
  else
    echo "NodeName=$node Name=gpu File=$dir/dev/fakegpu[0-$last]" >"$dir/gres.conf"
  fi
}

start_munge() {
  mkdir -p "$dir/munge"
  chmod 700 "$dir/munge"
  mungekey --create --keyfile="$dir/munge/munge.key" --force >/dev/null 2>&1 ||
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  # --force: munged otherwise refuses a socket folder under /tmp (sticky, world-writable parents).
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed" || die "munged did not start: $(tail -n 5 "$dir/log/munged.log" 2>/dev/null)"
}

node_state() { sinfo -h -N -n "$node" -o '%t' 2>/dev/null || true; }
node_idle() { [[ $(node_state) == idle ]]; }
# Up and serving: the controller answers and the node takes jobs (idle, or
# running some: mix, alloc); a second `up` while tests run must not restart it.
running() { [[ -f $dir/run/slurmctld.pid && $(node_state) =~ ^(idle|mix|alloc)$ ]]; }

show_logs() {
  local f
  for f in "$dir"/log/*.log; do
    [[ -f $f ]] || continue
    echo "--- $f (last 20 lines)" >&2
    tail -n 20 "$f" >&2
  done
}

up() {
  preflight
  if running; then
    echo "local-slurm.sh: already up ($SLURM_CONF)"
    return
  fi
  down_quiet
  mkdir -p "$dir"/{state,spool,run,log}
  make_fake_gpus
  write_conf "$(pick_ports)"
  start_munge
  # -c: start from a clean state (no jobs left from an earlier cluster).
  slurmctld -c -f "$SLURM_CONF" || { show_logs; die "slurmctld did not start"; }
  slurmd -f "$SLURM_CONF" || { show_logs; die "slurmd did not start"; }
  local waited
  for ((waited = 0; waited < 30; waited++)); do
    if node_idle; then
      echo "local-slurm.sh: up: node $node ($cpus CPUs, $gpus fake GPUs); export SLURM_CONF=$SLURM_CONF"
      return
    fi
    sleep 1
  done
  echo "local-slurm.sh: node $node not idle after 30 s: $(sinfo -h -N -o '%N %t %E' 2>&1)" >&2
  show_logs
  exit 1
}

# Stops each daemon named by a pid file: TERM, then KILL after 10 s.
stop_pidfile() {
  local pidfile=$1 pid i
  [[ -f $pidfile ]] || return 0
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

down_quiet() {
  [[ -d $dir ]] || return 0
  # Jobs first: slurmd's steps end with it only after their KillWait.
  if [[ -f $dir/run/slurmctld.pid ]]; then scancel --full --signal=KILL --user=root >/dev/null 2>&1 || true; fi
  stop_pidfile "$dir/run/slurmd.pid"
  stop_pidfile "$dir/run/slurmctld.pid"
  stop_pidfile "$dir/run/munged.pid"
  # Step daemons left behind (slurmstepd outlives slurmd) hold files open.
  local pid
  for pid in $(pgrep -f "^slurmstepd: \[" || true); do
    if grep -qsF "$dir" "/proc/$pid/environ"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$dir"
}

down() {
  down_quiet
  echo "local-slurm.sh: down"
}

status() {
  [[ -f $SLURM_CONF ]] || { echo "local-slurm.sh: not up ($dir has no slurm.conf)"; exit 1; }
  sinfo -N -o '%N %t %c %G'
  squeue -o '%i %j %T %M %l %R'
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
env) echo "export SLURM_CONF=$SLURM_CONF" ;;
*)
  echo "usage: $0 up|down|status|env (state in \$FLOPWALL_SLURM_DIR, default /tmp/flopwall-slurm)" >&2
  exit 2
  ;;
esac
