#!/usr/bin/env bash
# A cluster of N hosts on this one machine, to rehearse multi-node flopwall
# jobs (mpirun across hosts, per-node groups, the hang locator's cross-node
# view, slow links) without a cluster:
#
#   launch/emulated-cluster.sh up N [--link-gbit G] [--latency-us L] [--slots S]
#                                   [--name NAME] [--subnet A.B.C] [--state-dir DIR]
#   launch/emulated-cluster.sh status [--name NAME] [--state-dir DIR]
#   launch/emulated-cluster.sh down   [--name NAME] [--state-dir DIR]
#
# Each host is a network namespace (ip netns NAME-hI) with one veth link
# (eth0, A.B.C.(10+I)/24) onto a bridge NAME-br in the root namespace, and a
# UTS namespace of its own so that `hostname` (and so MPI and flopwall) say
# NAME-hI. The bridge holds A.B.C.1, so mpirun in the root namespace reaches
# every host. `up` writes into the state folder (default
# /run/flopwall-cluster/NAME):
#   hostfile      one line per host, `NAME-hI slots=S`
#   agent         Open MPI's launch agent (plm_rsh_agent): like ssh, it runs
#                 the orted command line inside the named host's namespaces,
#                 with a login-like environment (PATH, HOME, LD_LIBRARY_PATH
#                 only), so a variable reaches remote ranks only through
#                 mpirun's -x or an OMPI_* name, as on a real cluster
#   mpirun-args   mpirun options, one per line (launch/mpirun.sh --cluster DIR
#                 reads them); `mpirun $(cat DIR/mpirun-args) ...` works too
#   mpirun.env    the same MCA settings as OMPI_MCA_* exports, to source
#
# Why the MCA settings:
#   btl self,vader,tcp          shared memory inside a host, TCP between hosts
#   btl/oob_tcp_if_include      only the emulated network, never the machine's own NIC
#   plm_rsh_no_tree_spawn 1     mpirun starts every orted itself (no orted-to-orted ssh)
#   mpi_yield_when_idle 1       ranks share few cores: a rank that spins while it
#                               waits starves the one it waits for, and each
#                               message then costs a scheduler tick (milliseconds)
#   --bind-to none              every emulated host sees the same cores; each
#                               host's orted would bind its first rank to core 0
#
# --link-gbit caps each host's link in both directions with a tbf qdisc.
# --latency-us adds delay with netem where the kernel has it (it is skipped,
# with a warning, where it does not). Exit codes: 0 done, 1 failed, 2 bad
# input, 3 (status) not up, 77 this machine cannot do it (not root, no `ip`,
# no namespaces).
set -euo pipefail

readonly default_name=fw
readonly default_subnet=10.213.0
readonly default_slots=2
readonly max_hosts=64

usage_error() { echo "emulated-cluster.sh: $*" >&2; exit 2; }
cannot() { echo "emulated-cluster.sh: cannot emulate a cluster here: $*" >&2; exit 77; }
die() { echo "emulated-cluster.sh: $*" >&2; exit 1; }

# --- options -----------------------------------------------------------------

action="" hosts="" link_gbit="" latency_us="" slots=$default_slots
name=$default_name subnet=$default_subnet state_dir=""

need_value() { [[ $# -ge 2 && -n $2 ]] || usage_error "$1 needs a value"; }

parse_args() {
  [[ $# -ge 1 ]] || usage_error "no action: want up N | status | down"
  action=$1; shift
  case $action in
    up) [[ $# -ge 1 ]] || usage_error "up needs the number of hosts N (1..$max_hosts)"
        hosts=$1; shift ;;
    down|status) ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) usage_error "unknown action '$action': want up N | status | down" ;;
  esac
  while [[ $# -gt 0 ]]; do
    case $1 in
      --link-gbit)  need_value "$@"; link_gbit=$2; shift 2 ;;
      --latency-us) need_value "$@"; latency_us=$2; shift 2 ;;
      --slots)      need_value "$@"; slots=$2; shift 2 ;;
      --name)       need_value "$@"; name=$2; shift 2 ;;
      --subnet)     need_value "$@"; subnet=$2; shift 2 ;;
      --state-dir)  need_value "$@"; state_dir=$2; shift 2 ;;
      *) usage_error "unknown option '$1' (valid: --link-gbit G, --latency-us L, --slots S, --name NAME, --subnet A.B.C, --state-dir DIR)" ;;
    esac
  done
  if [[ $action != up && -n $link_gbit$latency_us ]]; then
    usage_error "--link-gbit and --latency-us belong to 'up'"
  fi
  validate_args
}

# valid_or_error CONDITION... -- MESSAGE: the message (exit 2) unless the
# command before -- succeeds.
valid_or_error() {
  local condition=()
  while [[ $1 != -- ]]; do condition+=("$1"); shift; done
  shift
  "${condition[@]}" || usage_error "$*"
}
is_count() { [[ $1 =~ ^[0-9]+$ ]] && (( 10#$1 >= $2 && 10#$1 <= $3 )); }
is_subnet() {
  [[ $1 =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] &&
    (( BASH_REMATCH[1] <= 255 && BASH_REMATCH[2] <= 255 && BASH_REMATCH[3] <= 255 ))
}
is_gbit() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v g="$1" 'BEGIN { exit !(g > 0 && g <= 400) }'; }

validate_args() {
  # Interface names are at most 15 characters: NAME-br, NAME-v63.
  [[ $name =~ ^[a-z][a-z0-9]{0,7}$ ]] ||
    usage_error "--name '$name': want 1 to 8 lower-case letters or digits, starting with a letter"
  valid_or_error is_subnet "$subnet" -- "--subnet '$subnet': want the first three numbers of a /24, e.g. $default_subnet"
  state_dir=${state_dir:-/run/flopwall-cluster/$name}
  [[ $state_dir == /* ]] || usage_error "--state-dir '$state_dir': want an absolute path"
  [[ $action == up ]] || return 0
  valid_or_error is_count "$hosts" 1 "$max_hosts" -- "number of hosts '$hosts': want an integer from 1 to $max_hosts"
  hosts=$((10#$hosts))
  valid_or_error is_count "$slots" 1 1024 -- "--slots '$slots': want an integer from 1 to 1024"
  slots=$((10#$slots))
  if [[ -n $link_gbit ]]; then
    valid_or_error is_gbit "$link_gbit" -- "--link-gbit '$link_gbit': want a number of Gbit/s above 0, at most 400"
  fi
  if [[ -n $latency_us ]]; then
    valid_or_error is_count "$latency_us" 0 1000000 -- "--latency-us '$latency_us': want an integer number of microseconds from 0 to 1000000"
  fi
}

# --- what this machine must offer --------------------------------------------

check_machine() {
  [[ $(id -u) == 0 ]] || cannot "needs root (network namespaces, veth links, a bridge)"
  local tool
  for tool in ip unshare nsenter tc; do
    command -v "$tool" >/dev/null || cannot "no '$tool' command"
  done
  [[ -e /proc/self/ns/net && -e /proc/self/ns/uts ]] || cannot "the kernel has no network or UTS namespaces"
}

# The kernel knows a qdisc when it can be put on a throwaway link (a veth
# pair: the dummy driver is not in every kernel).
kernel_has_qdisc() {
  local kind=$1 probe="${name}-qp" ok=1
  ip link add "$probe" type veth peer name "${probe}p" 2>/dev/null || return 1
  case $kind in
    tbf) tc qdisc add dev "$probe" root tbf rate 1gbit burst 128kb latency 10ms 2>/dev/null && ok=0 ;;
    netem) tc qdisc add dev "$probe" root netem delay 1us 2>/dev/null && ok=0 ;;
  esac
  ip link del "$probe" 2>/dev/null || true
  return $ok
}

# --- names -------------------------------------------------------------------

bridge() { echo "${name}-br"; }
host_name() { echo "${name}-h$1"; }        # also the namespace's name
root_veth() { echo "${name}-v$1"; }
host_address() { echo "${subnet}.$((10 + $1))"; }
host_indices() { local i; for ((i = 0; i < $1; ++i)); do echo "$i"; done; }
recorded_hosts() { [[ -f $state_dir/hostfile ]] && awk '{ print $1 }' "$state_dir/hostfile"; }
is_up() { ip link show "$(bridge)" >/dev/null 2>&1 || [[ -d $state_dir ]]; }

# --- up ----------------------------------------------------------------------

make_bridge() {
  ip link add "$(bridge)" type bridge
  ip addr add "${subnet}.1/24" dev "$(bridge)"
  ip link set "$(bridge)" up
}

# A persistent UTS namespace is a bind mount of a namespace file: it outlives
# the `unshare` that made it, and `nsenter --uts=FILE` joins it.
make_host() {
  local i=$1 host veth
  host=$(host_name "$i") veth=$(root_veth "$i")
  ip netns add "$host" || cannot "'ip netns add $host' failed"
  ip link add "$veth" type veth peer name eth0 netns "$host"
  ip link set "$veth" master "$(bridge)" up
  ip -n "$host" addr add "$(host_address "$i")/24" dev eth0
  ip -n "$host" link set lo up
  ip -n "$host" link set eth0 up
  touch "$state_dir/uts/$host"
  unshare --uts="$state_dir/uts/$host" hostname "$host"
  echo "$host slots=$slots" >>"$state_dir/hostfile"
}

# Both directions: the root end's egress is traffic into the host, eth0's is
# traffic out of it. The burst covers one 64 KiB GSO segment twice over (a
# smaller bucket drops such segments), or 1 ms at the rate when larger.
shape_link() {
  local i=$1 host veth burst_bytes delay=() dev netns
  host=$(host_name "$i") veth=$(root_veth "$i")
  burst_bytes=$(awk -v g="${link_gbit:-0}" 'BEGIN { b = g * 1e9 / 8 / 1000; if (b < 131072) b = 131072; printf "%d", b }')
  for dev in "$veth" "$host"; do
    netns=()
    [[ $dev == "$host" ]] && netns=(-n "$host") && dev=eth0
    if [[ -n $latency_us && $latency_us != 0 && $netem_ok == yes ]]; then
      delay=(root handle 1: netem delay "${latency_us}us")
      tc "${netns[@]}" qdisc add dev "$dev" "${delay[@]}"
      [[ -n $link_gbit ]] &&
        tc "${netns[@]}" qdisc add dev "$dev" parent 1: handle 2: tbf rate "${link_gbit}gbit" burst "$burst_bytes" latency 50ms
    elif [[ -n $link_gbit ]]; then
      tc "${netns[@]}" qdisc add dev "$dev" root tbf rate "${link_gbit}gbit" burst "$burst_bytes" latency 50ms
    fi
  done
}

write_agent() {
  cat >"$state_dir/agent" <<'AGENT'
#!/usr/bin/env bash
# Open MPI launch agent of an emulated cluster (launch/emulated-cluster.sh):
# called as `agent HOST COMMAND...` in place of ssh; runs COMMAND with
# /bin/sh inside HOST's network and UTS namespaces, in a login-like
# environment (as ssh would: nothing else of mpirun's environment).
set -euo pipefail
state_dir=$(dirname "$(readlink -f "$0")")
host=${1:?agent: no host}; shift
grep -q "^$host " "$state_dir/hostfile" 2>/dev/null || { echo "agent: '$host' is not a host of $state_dir" >&2; exit 255; }
exec nsenter --net="/run/netns/$host" --uts="$state_dir/uts/$host" -- \
  env -i PATH="$PATH" HOME="${HOME:-/}" LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}" /bin/sh -c "$*"
AGENT
  chmod +x "$state_dir/agent"
}

mca_settings() {
  printf '%s %s\n' \
    plm_rsh_agent "$state_dir/agent" \
    plm_rsh_no_tree_spawn 1 \
    btl self,vader,tcp \
    btl_tcp_if_include "${subnet}.0/24" \
    oob_tcp_if_include "${subnet}.0/24" \
    mpi_yield_when_idle 1
}

write_mpirun_files() {
  {
    echo --hostfile; echo "$state_dir/hostfile"
    mca_settings | while read -r key value; do printf -- '--mca\n%s\n%s\n' "$key" "$value"; done
    echo --bind-to; echo none
  } >"$state_dir/mpirun-args"
  {
    echo "# Source this to run mpirun on the emulated cluster $name (add --hostfile $state_dir/hostfile --bind-to none)."
    mca_settings | while read -r key value; do echo "export OMPI_MCA_$key=$value"; done
    echo "export OMPI_MCA_hwloc_base_binding_policy=none"
  } >"$state_dir/mpirun.env"
}

bring_up() {
  check_machine
  is_up && die "cluster '$name' is already up ($state_dir); run: $0 down --name $name"
  netem_ok=no
  if [[ -n $link_gbit ]] && ! kernel_has_qdisc tbf; then
    cannot "the kernel has no tbf qdisc (CONFIG_NET_SCH_TBF) for --link-gbit"
  fi
  if [[ -n $latency_us && $latency_us != 0 ]]; then
    if kernel_has_qdisc netem; then netem_ok=yes
    else echo "emulated-cluster.sh: warning: --latency-us $latency_us skipped: this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM)" >&2
    fi
  fi
  # A failure part way leaves nothing behind.
  trap 'tear_down >/dev/null 2>&1' ERR
  mkdir -p "$state_dir/uts"
  : >"$state_dir/hostfile"
  make_bridge
  local i
  for i in $(host_indices "$hosts"); do
    make_host "$i"
    shape_link "$i"
  done
  write_agent
  write_mpirun_files
  printf 'link_gbit=%s\nlatency_us=%s\nnetem=%s\n' "$link_gbit" "$latency_us" "$netem_ok" >"$state_dir/links"
  trap - ERR
  echo "cluster '$name' up: $hosts hosts ($(recorded_hosts | paste -sd' ')) on $(bridge) ${subnet}.0/24"
  echo "  hostfile: $state_dir/hostfile"
  echo "  agent:    $state_dir/agent"
  echo "  run:      launch/mpirun.sh --cluster $state_dir -- <flopwall arguments>"
  echo "        or: mpirun \$(cat $state_dir/mpirun-args) -np $((hosts * slots)) <program>"
}

# --- down --------------------------------------------------------------------

# Everything named after this cluster, whether or not the state folder says so.
tear_down() {
  local host uts
  for host in $(ip netns list 2>/dev/null | awk -v p="${name}-h" 'index($1, p) == 1 { print $1 }'); do
    # Processes still inside (an orted of a job that was killed) keep the
    # namespace alive; they belong to this cluster.
    ip netns pids "$host" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$host" 2>/dev/null || true
  done
  for uts in "$state_dir"/uts/*; do
    [[ -e $uts ]] || continue
    umount "$uts" 2>/dev/null || true
  done
  ip link show "$(bridge)" >/dev/null 2>&1 && ip link del "$(bridge)"
  rm -rf "$state_dir"
}

take_down() {
  check_machine
  if ! is_up && ! ip netns list 2>/dev/null | grep -q "^${name}-h"; then
    echo "cluster '$name' is not up"
    return 0
  fi
  tear_down
  echo "cluster '$name' down"
}

# --- status ------------------------------------------------------------------

show_status() {
  check_machine
  if ! is_up; then echo "cluster '$name' is not up"; return 3; fi
  local link_gbit_now="" latency_now="" netem_now="" host processes
  if [[ -f $state_dir/links ]]; then
    link_gbit_now=$(sed -n 's/^link_gbit=//p' "$state_dir/links")
    latency_now=$(sed -n 's/^latency_us=//p' "$state_dir/links")
    netem_now=$(sed -n 's/^netem=//p' "$state_dir/links")
  fi
  echo "cluster '$name': bridge $(bridge) $(ip -4 -o addr show dev "$(bridge)" 2>/dev/null | awk '{ print $4 }'), state $state_dir"
  local links="unshaped"
  [[ -n $link_gbit_now ]] && links="capped at $link_gbit_now Gbit/s each way"
  if [[ -n $latency_now && $latency_now != 0 ]]; then
    links+=", +$latency_now us latency"
    [[ $netem_now == yes ]] || links+=" (skipped: no netem)"
  fi
  echo "  links: $links"
  for host in $(recorded_hosts); do
    processes=$(ip netns pids "$host" 2>/dev/null | wc -l)
    printf '  %-10s %-15s hostname %-10s %s processes\n' "$host" \
      "$(ip -n "$host" -4 -o addr show dev eth0 2>/dev/null | awk '{ print $4 }')" \
      "$(nsenter --uts="$state_dir/uts/$host" hostname 2>/dev/null || echo '?')" "$processes"
  done
  echo "  hostfile: $state_dir/hostfile"
  echo "  agent:    $state_dir/agent"
}

main() {
  parse_args "$@"
  case $action in
    up) bring_up ;;
    down) take_down ;;
    status) show_status ;;
  esac
}

main "$@"
