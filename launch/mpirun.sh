#!/usr/bin/env bash
# flopwall under plain mpirun (Open MPI), with the settings a multi-node job
# needs spelled out once:
#
#   launch/mpirun.sh [--hostfile FILE] [--ranks-per-node N] [--np N]
#                    [--cpus-per-rank K] [--oversubscribe] [--cluster DIR]
#                    [--mpi-args "ARGS"] [--dry-run] -- <flopwall arguments>
#
#   launch/mpirun.sh --hostfile hosts --ranks-per-node 8 -- run --model 7b --tp 8
#   launch/mpirun.sh --cluster /run/flopwall-cluster/fw -- collectives --tier all
#
# --hostfile FILE       Open MPI hostfile, one host per line (`node01 slots=8`).
# --ranks-per-node N    ranks on each host, normally its GPU count: mapped with
#                       --map-by ppr:N:node so every host gets exactly N. Default:
#                       the first host's `slots=` in the hostfile, else
#                       --np spread evenly over the hosts, else 1.
# --np N                total ranks; default hosts x ranks-per-node.
# --cpus-per-rank K     cores bound to each rank (--map-by ...:PE=K): room for
#                       K OpenBLAS threads on the cpu backend (pass flopwall
#                       --threads K) or a GPU rank's host threads. Default 1.
# --oversubscribe       allow more ranks than slots (mpirun --oversubscribe).
# --cluster DIR         an emulated cluster's state folder
#                       (launch/emulated-cluster.sh up): its hostfile and
#                       mpirun-args (launch agent, TCP interfaces, yield when
#                       idle, no binding: its hosts share this machine's cores).
# --mpi-args "ARGS"     more mpirun arguments, split at white space, placed
#                       before the program (may repeat).
# --dry-run             print the mpirun command, run nothing.
#
# Binding: each rank is bound to its K cores (--bind-to core); ranks are
# placed node by node, so local ranks 0..N-1 of a host are its first N ranks.
# GPUs: every rank sees all of its host's GPUs and flopwall uses device =
# local rank (MPI's shared-memory split) when it sees several, so N ranks per
# node drive GPUs 0..N-1; CUDA_VISIBLE_DEVICES set here narrows that on
# every host alike.
# Environment: ranks on other hosts get only what mpirun forwards: Open MPI
# passes OMPI_* itself; this script adds `-x NAME` for every NCCL_*, CUDA_*,
# UCX_*, OPENBLAS_*, OMP_* and FLOPWALL_* variable set here, so remote ranks
# run (and flopwall records in /meta) the same settings as local ones.
# Root: Open MPI refuses root without --allow-run-as-root, which is added
# only when this runs as root.
# The program is $FLOPWALL_BIN when set, else build/flopwall of this
# repository, else `flopwall` on PATH; mpirun is $MPIRUN, else `mpirun`.
# Bad options: one line on stderr, exit 2.
set -euo pipefail

# The repository by name, not by resolving links: `launch` may be a link into
# it from a folder with its own `build` (as in the docs test).
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=${script_dir%/*}
readonly script_dir repo_dir
readonly forwarded_prefixes='NCCL_|CUDA_|UCX_|OPENBLAS_|OMP_|FLOPWALL_'

usage_error() { echo "mpirun.sh: $*" >&2; exit 2; }
# shellcheck source=launch/lib/find-flopwall.sh
source "$script_dir/lib/find-flopwall.sh"

hostfile="" ranks_per_node="" np="" cpus_per_rank="" oversubscribe=no cluster_dir="" dry_run=no
extra_mpi_args=() flopwall_args=()

positive_integer() {
  local option=$1 value=$2
  [[ $value =~ ^[0-9]+$ ]] && (( 10#$value >= 1 )) && return 0
  usage_error "$option '$value': want a positive integer"
}

parse_args() {
  local words
  while [[ $# -gt 0 ]]; do
    case $1 in
      --) shift; flopwall_args=("$@"); return ;;
      --hostfile|--ranks-per-node|--np|--cpus-per-rank|--cluster|--mpi-args)
        [[ $# -ge 2 ]] || usage_error "$1 needs a value" ;;&
      --hostfile) hostfile=$2; shift 2 ;;
      --ranks-per-node) positive_integer "$1" "$2"; ranks_per_node=$((10#$2)); shift 2 ;;
      --np) positive_integer "$1" "$2"; np=$((10#$2)); shift 2 ;;
      --cpus-per-rank) positive_integer "$1" "$2"; cpus_per_rank=$((10#$2)); shift 2 ;;
      --cluster) cluster_dir=$2; shift 2 ;;
      --mpi-args) read -r -a words <<<"$2"; extra_mpi_args+=("${words[@]}"); shift 2 ;;
      --oversubscribe) oversubscribe=yes; shift ;;
      --dry-run) dry_run=yes; shift ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) usage_error "unknown option '$1' (valid: --hostfile, --ranks-per-node, --np, --cpus-per-rank, --oversubscribe, --cluster, --mpi-args, --dry-run, then -- and flopwall's arguments)" ;;
    esac
  done
  usage_error "no '--' before flopwall's arguments (e.g. launch/mpirun.sh --np 2 -- run --model tiny)"
}


# Hosts of a hostfile: lines that are not blank or comments.
hostfile_hosts() { grep -cvE '^[[:space:]]*(#|$)' "$1" || true; }
# The slots= of a hostfile's first host, or nothing.
hostfile_first_slots() { grep -vE '^[[:space:]]*(#|$)' "$1" | head -n1 | sed -n 's/.*slots=\([0-9][0-9]*\).*/\1/p'; }

use_cluster() {
  [[ -f $cluster_dir/mpirun-args && -f $cluster_dir/hostfile ]] ||
    usage_error "--cluster '$cluster_dir': no emulated cluster there (want the folder launch/emulated-cluster.sh up printed)"
  [[ -z $hostfile ]] || usage_error "--cluster '$cluster_dir' brings its own hostfile: drop --hostfile"
  hostfile=$cluster_dir/hostfile
}

# Every variable flopwall reads or records that remote ranks would not see.
forwarded_variables() {
  compgen -e | grep -E "^($forwarded_prefixes)" || true
}

build_command() {
  local binary=$1 hosts=1 mapping
  command+=("${MPIRUN:-mpirun}")
  [[ $(id -u) == 0 ]] && command+=(--allow-run-as-root)
  if [[ -n $cluster_dir ]]; then
    local cluster_args
    mapfile -t cluster_args <"$cluster_dir/mpirun-args"
    command+=("${cluster_args[@]}")
  elif [[ -n $hostfile ]]; then
    command+=(--hostfile "$hostfile")
  fi
  if [[ -n $hostfile ]]; then
    [[ -r $hostfile ]] || usage_error "--hostfile '$hostfile': not a readable file"
    hosts=$(hostfile_hosts "$hostfile")
    (( hosts >= 1 )) || usage_error "--hostfile '$hostfile': names no host"
    [[ -n $ranks_per_node ]] || ranks_per_node=$(hostfile_first_slots "$hostfile")
  fi
  if [[ -z $ranks_per_node ]]; then
    ranks_per_node=$(( ${np:-$hosts} / hosts + (${np:-$hosts} % hosts > 0) ))
  fi
  np=${np:-$((hosts * ranks_per_node))}
  command+=(-np "$np")
  mapping="ppr:${ranks_per_node}:node"
  if [[ -n $cluster_dir ]]; then
    # Emulated hosts share this machine's cores: the cluster's --bind-to none
    # stands, and PE= (which implies binding) is left out.
    command+=(--map-by "$mapping")
  else
    command+=(--map-by "$mapping:PE=${cpus_per_rank:-1}" --bind-to core)
  fi
  [[ $oversubscribe == yes ]] && command+=(--oversubscribe)
  local name
  for name in $(forwarded_variables); do command+=(-x "$name"); done
  command+=("${extra_mpi_args[@]}" "$binary" "${flopwall_args[@]}")
}

main() {
  parse_args "$@"
  [[ ${#flopwall_args[@]} -gt 0 ]] || usage_error "no flopwall arguments after '--' (e.g. -- run --model tiny)"
  [[ -n $cluster_dir ]] && use_cluster
  local binary
  binary=$(find_flopwall)
  command=()
  build_command "$binary"
  if [[ $dry_run == yes ]]; then
    printf '%q ' "${command[@]}" | sed 's/ $//'
    echo
    return 0
  fi
  exec "${command[@]}"
}

main "$@"
