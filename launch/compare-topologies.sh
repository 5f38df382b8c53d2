#!/usr/bin/env bash
# The same flopwall workload under several --topology presets, one job
# each, ending with one `flopwall compare` report of them all:
#
#   launch/compare-topologies.sh [options] PRESETS -- <flopwall arguments>
#   launch/compare-topologies.sh shm,tcp -- collectives -b 8 -e 16M
#   launch/compare-topologies.sh --np 8 default,ring,tree -- run --model llama2-7b --tp 8 --iters 50
#   launch/compare-topologies.sh --launcher "srun --mpi=pmix" ring,tree -- collectives -e 1G   (inside an allocation)
#
# PRESETS       comma-separated --topology names (docs/topologies.md); the
#               first is the baseline of the comparison
# --np N        ranks of each job (default 2), through launch/mpirun.sh
# --launcher "CMD"  run each job as `CMD FLOPWALL ARGS...` instead (srun, a
#               plain mpirun with its own options, ...)
# --out-dir DIR where the traces go, DIR/<preset>.h5 (default
#               results/topologies-<UTC time>); an existing trace there is replaced
# --fail-if-slower PCT, --noise PCT, --format F   passed to flopwall compare
#
# The flopwall arguments are a run, sweep or collectives command without
# --topology or --out (this script adds both, at the end: for a sweep they
# land among its run options, where they belong). Exit code: flopwall
# compare's (1 when --fail-if-slower found a regression), or the first
# failed job's; 2 for bad options, with one line.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=${script_dir%/*}

usage_error() { echo "compare-topologies.sh: $*" >&2; exit 2; }
# shellcheck source=launch/lib/find-flopwall.sh
source "$script_dir/lib/find-flopwall.sh"

np=2 launcher="" out_dir="" compare_args=() presets="" flopwall_args=()

parse_args() {
  while [[ $# -gt 0 ]]; do
    case $1 in
      --np|--launcher|--out-dir|--fail-if-slower|--noise|--format)
        [[ $# -ge 2 ]] || usage_error "$1 needs a value" ;;&
      --np) [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "--np '$2': want a positive integer"; np=$2; shift 2 ;;
      --launcher) launcher=$2; shift 2 ;;
      --out-dir) out_dir=$2; shift 2 ;;
      --fail-if-slower|--noise|--format) compare_args+=("$1" "$2"); shift 2 ;;
      --) shift; flopwall_args=("$@"); return ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      -*) usage_error "unknown option '$1' (valid: --np, --launcher, --out-dir, --fail-if-slower, --noise, --format, then PRESETS -- and flopwall's arguments)" ;;
      *) [[ -z $presets ]] || usage_error "one PRESETS list, not '$presets' and '$1' (separate presets with commas)"
         presets=$1; shift ;;
    esac
  done
  usage_error "no '--' before flopwall's arguments (e.g. shm,tcp -- collectives -e 1M)"
}


check_args() {
  [[ -n $presets ]] || usage_error "no PRESETS (e.g. shm,tcp); see docs/topologies.md"
  [[ ${#flopwall_args[@]} -gt 0 ]] || usage_error "no flopwall arguments after '--' (e.g. -- collectives -e 1M)"
  case ${flopwall_args[0]} in
    run|sweep|collectives) ;;
    *) usage_error "'${flopwall_args[0]}' cannot be compared across presets; want run, sweep or collectives" ;;
  esac
  local word
  for word in "${flopwall_args[@]}"; do
    case $word in
      --topology|--topology=*) usage_error "drop $word: this script sets --topology for each preset" ;;
      --out|--out=*) usage_error "drop $word: the traces go to --out-dir DIR/<preset>.h5" ;;
    esac
  done
  IFS=, read -r -a preset_list <<<"$presets"
  [[ ${#preset_list[@]} -ge 2 ]] || usage_error "PRESETS '$presets': give two or more, comma separated"
  local p seen=" "
  for p in "${preset_list[@]}"; do
    [[ $p =~ ^[a-z][a-z0-9-]*$ ]] || usage_error "preset '$p' is not a preset name (see docs/topologies.md)"
    [[ $seen != *" $p "* ]] || usage_error "preset '$p' is given twice"
    seen+="$p "
  done
}

main() {
  parse_args "$@"
  check_args
  local flopwall
  flopwall=$(find_flopwall)
  out_dir=${out_dir:-results/topologies-$(date -u +%Y%m%dT%H%M%SZ)}
  mkdir -p "$out_dir"
  local job=() traces=() preset rc=0
  if [[ -n $launcher ]]; then
    read -r -a job <<<"$launcher"
    job+=("$flopwall")
  else
    job=(env "FLOPWALL_BIN=$flopwall" "$script_dir/mpirun.sh" --np "$np" --oversubscribe --)
  fi
  for preset in "${preset_list[@]}"; do
    echo "compare-topologies.sh: --topology $preset: ${flopwall_args[*]}" >&2
    "${job[@]}" "${flopwall_args[@]}" --topology "$preset" --out "$out_dir/$preset.h5" --overwrite || rc=$?
    if [[ $rc -ne 0 ]]; then
      echo "compare-topologies.sh: the job under --topology $preset failed (exit $rc)" >&2
      exit "$rc"
    fi
    traces+=("$out_dir/$preset.h5")
  done
  "$flopwall" compare "${traces[@]}" "${compare_args[@]}"
}

main "$@"
