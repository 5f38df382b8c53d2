#!/usr/bin/env bash
# flopwall across hosts, on an emulated cluster (launch/emulated-cluster.sh:
# network namespaces on a bridge, one hostname each), one case per ctest entry:
#   cluster_cases.sh CASE FLOPWALL MPIEXEC [PYTHON]
# Each case brings up its own cluster (its own name and subnet, so cases may
# run side by side) and takes it down on exit, however it exits. Exit 77
# (ctest: skipped) where the machine cannot emulate a cluster (not root, no
# network namespaces).
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 python=${4:-python3}
case_timeout=120
here=$(cd "$(dirname "$0")" && pwd)
cluster_script=$here/../../launch/emulated-cluster.sh
mpirun_script=$here/../../launch/mpirun.sh
# shellcheck source-path=SCRIPTDIR source=case_lib.sh
source "$here/case_lib.sh"   # sets $work and an EXIT trap removing it; ours below does that too
export FLOPWALL_BIN=$flopwall MPIRUN=$mpiexec

# One name and one /24 per case: interface names stay under 15 characters.
case $case_name in
  cluster_tiers) cluster=fwct subnet=10.213.11 ;;
  cluster_hang)  cluster=fwch subnet=10.213.12 ;;
  cluster_links) cluster=fwcl subnet=10.213.13 ;;
  *) fail "unknown case" ;;
esac
# shellcheck disable=SC2154  # $work: set by case_lib.sh
state=$work/cluster

cluster_down() { "$cluster_script" down --name "$cluster" --state-dir "$state" >/dev/null 2>&1 || true; }
on_exit() { cluster_down; cd /; rm -rf "$work"; }
trap on_exit EXIT
# A case killed by ctest's timeout still takes its cluster down.
trap 'exit 143' TERM INT

# cluster_up N [up options]: exit 77 (skip) where the machine cannot.
cluster_up() {
  local rc=0
  "$cluster_script" up "$@" --name "$cluster" --subnet "$subnet" --state-dir "$state" >up.log 2>&1 || rc=$?
  if [[ $rc == 77 ]]; then echo "SKIP [$case_name]: $(tail -n1 up.log)"; exit 77; fi
  [[ $rc == 0 ]] || fail "cluster up failed ($rc): $(cat up.log)"
}
# flopwall on the cluster through launch/mpirun.sh; -q: mpirun's own banner
# on a failed rank is not what the cases judge.
on_cluster() { timeout "$case_timeout" "$mpirun_script" --cluster "$state" --mpi-args -q -- "$@"; }
host() { echo "$cluster-h$1"; }
# A /ranks/NNNNN attribute of a trace, as h5dump prints it (strings unquoted).
rank_attribute() {
  h5dump -a "/ranks/$(printf '%05d' "$2")/$3" "$1" | sed -n 's/^ *(0): *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p'
}
# Each rank's hostname, group_intra and group_inter, one rank a line.
rank_groups() {
  local rank
  for rank in $(seq 0 $(($2 - 1))); do
    echo "$(rank_attribute "$1" "$rank" hostname) $(rank_attribute "$1" "$rank" group_intra) $(rank_attribute "$1" "$rank" group_inter)"
  done
}

case $case_name in
cluster_tiers)
  # 2 hosts x 2 ranks: the intra tier runs inside each host (shared memory),
  # the inter tier between the hosts (TCP), and the trace says who is where.
  cluster_up 2 --slots 2
  sweep=(collectives -b 8 -e 4K -f 8 -n 10 -w 2 --tier all)
  on_cluster "${sweep[@]}" --out "$work/tiers.h5" >tiers.txt 2>tiers.err || fail "collectives --tier all: $(cat tiers.err)"
  for tier in world intra inter; do
    grep -q "^# allreduce on tier $tier\$" tiers.txt || fail "no '$tier' table: $(cat tiers.txt)"
  done
  on_cluster "${sweep[@]}" --format json >tiers.json 2>tiers.err || fail "collectives --format json: $(cat tiers.err)"
  json_check tiers.json '{x["tier"] for x in r["results"]} == {"world", "intra", "inter"}'
  json_check tiers.json 'all(x["wrong"] == 0 for x in r["results"]) and r["world_size"] == 4'
  # Node groups per host: intra = the host's index, inter = the local index.
  expected="$(host 0) 0 0
$(host 0) 0 1
$(host 1) 1 0
$(host 1) 1 1"
  [[ $(rank_groups tiers.h5 4) == "$expected" ]] || fail "ranks' host, group_intra, group_inter: $(rank_groups tiers.h5 4 | paste -sd';'), want $(paste -sd';' <<<"$expected")"

  # A run: its report names both hosts, and local ranks restart on each host.
  on_cluster run --model tiny --iters 3 --warmup 1 --quiet --out "$work/run.h5" 2>run.err || fail "run: $(cat run.err)"
  "$flopwall" report run.h5 --format json >run.json
  json_check run.json "[x['hostname'] for x in sorted(r['ranks'], key=lambda x: x['rank'])] == ['$(host 0)', '$(host 0)', '$(host 1)', '$(host 1)']"
  json_check run.json "sorted(h for c in r['machine']['node_classes'] for h in c['hosts']) == ['$(host 0)', '$(host 1)']"
  for rank in 0 1 2 3; do
    [[ $(rank_attribute run.h5 "$rank" local_rank) == $((rank % 2)) ]] || fail "rank $rank: local_rank $(rank_attribute run.h5 "$rank" local_rank), want $((rank % 2))"
  done
  ;;

cluster_hang)
  # Rank 2, the first rank of the second host, stops: its host-mate names it;
  # the first host's ranks see every local rank alive and name the other host.
  cluster_up 2 --slots 2
  out=$work/hang.h5
  (set +e; on_cluster run --model tiny --iters 1000000 --warmup 1 --quiet --timeout 3 --out "$out" \
     </dev/null >job.log 2>&1; echo $? >job.rc) &
  victim=""
  for _ in $(seq 100); do
    for pid in $(pgrep -f -- "--out $out" || true); do
      tr '\0' '\n' </proc/"$pid"/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=2" && victim=$pid
    done
    [[ -n $victim ]] && break
    sleep 0.2
  done
  [[ -n $victim ]] || fail "could not find rank 2"
  [[ $(nsenter --uts="$state/uts/$(host 1)" hostname) == "$(host 1)" ]] || fail "host $(host 1) has another name"
  # Stop it only once it is in the timed loop (start-up has its own deadlines).
  for _ in $(seq 60); do
    sleep 0.5
    kill -USR1 "$victim" 2>/dev/null || break
    sleep 0.3
    grep -Eq "^rank 2: status: last completed .*iteration [0-9]+\)" job.log && break
  done
  kill -STOP "$victim" 2>/dev/null || { wait; fail "rank 2 ended before it could be stopped: $(cat job.log)"; }
  stopped=$(date +%s)
  wait
  elapsed=$(( $(date +%s) - stopped ))
  kill -KILL "$victim" 2>/dev/null || true
  [[ $(cat job.rc) != 0 ]] || fail "the job reported success"
  (( elapsed <= 3 + 8 )) || fail "took ${elapsed}s after the stop to end"
  grep -Eq "^rank 3: timed out .*waiting for rank 2 \(not responding" job.log ||
    fail "rank 3 (same host as rank 2) did not name it: $(grep 'timed out' job.log)"
  grep -Eq "^rank [01]: timed out .*a peer it waits for is on another node: $(host 1) \(ranks 2-3\)" job.log ||
    fail "no rank of $(host 0) pointed to another node: $(grep 'timed out' job.log)"
  [[ ! -e $out && ! -e $out.tmp ]] || fail "a trace file was left behind"
  ;;

cluster_links)
  # The same allreduce sweep over 10 Gbit/s and 1 Gbit/s links between two
  # one-rank hosts: large messages are bandwidth-bound, small ones latency-bound.
  sweep=(collectives --collective allreduce -b 8 -e 4M -f 8 -n 40)
  for gbit in 10 1; do
    cluster_up 2 --slots 1 --link-gbit "$gbit"
    on_cluster "${sweep[@]}" --format json --out "$work/g$gbit.h5" >"g$gbit.json" 2>"g$gbit.err" ||
      fail "sweep at $gbit Gbit/s: $(cat "g$gbit.err")"
    cluster_down
  done
  mv g10.h5 fast.h5
  mv g1.h5 slow.h5
  # The premise, from the sweeps' own JSON: the largest size is several
  # times slower on the slow links; a small one is about the same.
  "$python" - g10.json g1.json <<'PY' || fail "the 1 Gbit/s links are not clearly slower for large messages"
import json, sys
fast, slow = (json.load(open(p))["results"] for p in sys.argv[1:3])
def time_us(rows, size, inplace):
    return next(x["p50_us"] for x in rows if x["size_bytes"] == size and x["inplace"] == inplace)
largest = max(x["size_bytes"] for x in fast)
for inplace in (False, True):
    kind = "in-place" if inplace else "out-of-place"
    f, s = time_us(fast, largest, inplace), time_us(slow, largest, inplace)
    print(f"{largest} B {kind} p50: {f:.0f} us at 10 Gbit/s, {s:.0f} us at 1 Gbit/s")
    assert s > 3 * f, (largest, inplace, f, s)
    f, s = time_us(fast, 8, inplace), time_us(slow, 8, inplace)
    print(f"8 B {kind} p50: {f:.1f} us at 10 Gbit/s, {s:.1f} us at 1 Gbit/s")
    assert s < 2 * f + 50, (8, inplace, f, s)
PY
  # needs: flopwall compare (skipped until the command exists)
  if ! "$flopwall" compare --help >/dev/null 2>&1; then
    echo "SKIP [$case_name]: flopwall has no 'compare' command yet (# needs: flopwall compare)"
    exit 77
  fi
  # --noise 20: an 8-byte allreduce is a dozen microseconds of scheduling on
  # a 2-core machine. Two jobs run one after the other, links unchanged,
  # differ by 5% alone and by up to 30% while anything else runs (a build
  # beside the tests); the 2 MiB sizes differ by 6x to 19x.
  "$flopwall" compare fast.h5 slow.h5 --noise 20 --format json >compare.json || fail "flopwall compare failed"
  largest=$("$python" -c 'import json,sys; print(max(x["size_bytes"] for x in json.load(open(sys.argv[1]))["results"]))' g10.json)
  # What the checks read, for the log.
  "$flopwall" compare fast.h5 slow.h5 --noise 20 | grep -E "^(key|coll/allreduce/world/(8|$largest)/)" | cut -c1-160 || true
  for io in in out; do
    json_check compare.json "(lambda row: row['significant'][1] and row['ratio'][1] > 1)(next(x for x in r['rows'] if x['key'] == 'coll/allreduce/world/$largest/$io' and x['metric'] == 'time_s'))"
    json_check compare.json "(lambda row: not row['significant'][1])(next(x for x in r['rows'] if x['key'] == 'coll/allreduce/world/8/$io' and x['metric'] == 'time_s'))"
  done
  ;;
esac
echo "PASS [$case_name]"
