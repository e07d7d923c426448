# shellcheck shell=bash
# tests/e2e/netns.sh — network-namespace harness for end-to-end tests (a bash library: source it).
#
# A test runs in a fresh user + network namespace of its own (`unshare -rn`: no real root
# needed), where it builds "hosts": nested network namespaces, each held open by a `sleep` child
# and joined to a bridge br0 by a veth pair (host side: eth0). Hosts get IPv6 link-local
# addresses (automatic, DAD off), fd00::N/64 and 10.0.0.N/24 — addresses that exist only inside
# the test's namespace. NETWORK SAFETY: no interface leads out of the namespaces (there is no
# physical device, no default route); netns_guard checks that before anything runs.
#
#   source "$(dirname "$0")/netns.sh"
#   netns_enter "$0" "$@"         # re-executes the test inside the namespace, or exits 77 (skip)
#   netns_setup                   # guard, lo up, bridge br0, cleanup on exit
#   netns_add_host dev 1          # host "dev": eth0, fd00::1/64, 10.0.0.1/24
#   netns_exec dev CMD...         # runs CMD in host dev, in the foreground
#   netns_spawn dev CMD...        # runs CMD in host dev in the background (pid in NETNS_LAST_PID;
#                                 # killed on exit)
#   netns_stop PID                # stops a process netns_spawn started
#   netns_ifindex dev eth0        # prints the interface index inside host dev
#   netns_wait_for_file PATH [S]  # waits up to S seconds (default 10) for PATH to appear
#
# Cleanup kills only the processes this library started, by pid. Only util-linux (unshare,
# nsenter, setpriv if present) and iproute2 are needed: `ip netns` needs a mount of
# /run/netns that an unprivileged user namespace cannot make shared, so hosts are addressed
# as /proc/PID/ns/net instead.

NETNS_SKIP=77
NETNS_PIDS=()
declare -A NETNS_HOST_PID=()
NETNS_TMP=""
NETNS_LAST_PID=""

netns_die() {
  echo "netns: $*" >&2
  exit 1
}

netns_skip() {
  echo "SKIP: $*" >&2
  exit "$NETNS_SKIP"
}

# Re-executes the calling script inside a new user + network namespace (once); returns when
# already inside. Exits with 77 (ctest SKIP_RETURN_CODE) when namespaces are not available.
netns_enter() {
  local script=$1
  shift
  if [[ ${OCF_NETNS_INSIDE:-} == 1 ]]; then
    return 0
  fi
  local tool
  for tool in unshare nsenter ip; do
    command -v "$tool" >/dev/null 2>&1 || netns_skip "$tool not found (util-linux / iproute2)"
  done
  local err
  if ! err=$(unshare -rn true 2>&1); then
    netns_skip "cannot create a user + network namespace (unshare -rn: ${err:-failed});" \
      "unprivileged user namespaces may be disabled (kernel.unprivileged_userns_clone," \
      "user.max_user_namespaces, or an AppArmor/SELinux policy)"
  fi
  OCF_NETNS_OUTER=$(readlink /proc/self/ns/net)
  export OCF_NETNS_OUTER
  export OCF_NETNS_INSIDE=1
  exec unshare -rn -- "${BASH:-bash}" "$script" "$@"
}

# Every interface listed by `ip -d -o link show` (run with the given prefix, e.g. nsenter)
# must be loopback, a veth or a bridge; and we must not be in the namespace we started from.
netns_guard() {
  [[ ${OCF_NETNS_INSIDE:-} == 1 && -n ${OCF_NETNS_OUTER:-} ]] ||
    netns_die "refusing to run: not inside a namespace made by netns_enter"
  [[ $(readlink /proc/self/ns/net) != "$OCF_NETNS_OUTER" ]] ||
    netns_die "refusing to run: still in the original network namespace"
  local where=${1:-}
  local line name
  while IFS= read -r line; do
    name=${line#*: }
    name=${name%%:*}
    name=${name%%@*}
    if [[ $line == *"link/loopback"* ]]; then continue; fi
    if [[ $line =~ \\\ +(veth|bridge)( |$) ]]; then continue; fi
    netns_die "refusing to run: interface '$name' ${where:+in host $where }is not loopback, veth or bridge"
  done < <(if [[ -n $where ]]; then netns_exec_unguarded "$where" ip -d -o link show; else ip -d -o link show; fi)
}

netns_cleanup() {
  local pid
  for pid in "${NETNS_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${NETNS_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  NETNS_PIDS=()
  if [[ -n $NETNS_TMP ]]; then
    rm -rf -- "$NETNS_TMP"
  fi
}

# Checks the namespace is fresh (nothing but lo), then builds the bridge the hosts attach to.
netns_setup() {
  netns_guard
  local links
  links=$(ip -o link show | wc -l)
  [[ $links -eq 1 ]] || netns_die "refusing to run: the namespace is not fresh ($links interfaces)"
  trap netns_cleanup EXIT
  NETNS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ocf-netns.XXXXXX")
  ip link set lo up
  # No multicast snooping: the bridge floods every group, as a plain switch would.
  local err
  err=$(ip link add br0 type bridge mcast_snooping 0 2>&1) || netns_skip "cannot create a bridge here: $err"
  ip link set br0 multicast on up
  netns_guard
}

# Starts a command in the background that dies with this shell even on SIGKILL, when setpriv
# is available (PR_SET_PDEATHSIG); the trap covers the ordinary exits.
netns_background() {
  if command -v setpriv >/dev/null 2>&1; then
    setpriv --pdeathsig KILL -- "$@" &
  else
    "$@" &
  fi
  NETNS_LAST_PID=$!
  NETNS_PIDS+=("$NETNS_LAST_PID")
}

netns_exec_unguarded() {
  local name=$1
  shift
  local pid=${NETNS_HOST_PID[$name]:-}
  [[ -n $pid ]] || netns_die "no host named '$name'"
  nsenter --net="/proc/$pid/ns/net" -- "$@"
}

# netns_add_host NAME N: a host with eth0 (veth to br0), fd00::N/64 and 10.0.0.N/24; 1 <= N <= 254.
netns_add_host() {
  local name=$1 n=$2
  [[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le 254 ]] || netns_die "host number must be 1..254"
  [[ -z ${NETNS_HOST_PID[$name]:-} ]] || netns_die "host '$name' exists"
  netns_background unshare -n -- sleep infinity
  local pid=$NETNS_LAST_PID self i err ns=""
  self=$(readlink /proc/self/ns/net)
  # unshare runs asynchronously: wait (bounded) until the holder sits in its own namespace.
  for ((i = 0; i < 500; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    ns=$(readlink "/proc/$pid/ns/net" 2>/dev/null || true)
    [[ -n $ns && $ns != "$self" ]] && break
    sleep 0.01
  done
  if [[ -z $ns || $ns == "$self" ]] || ! kill -0 "$pid" 2>/dev/null; then
    netns_skip "cannot create a nested network namespace (unshare -n) for host '$name'"
  fi
  NETNS_HOST_PID[$name]=$pid
  err=$(ip link add "h$n" type veth peer name "br$n" 2>&1) || netns_skip "cannot create a veth pair here: $err"
  ip link set "h$n" netns "$pid"
  ip link set "br$n" master br0 multicast on up
  netns_exec_unguarded "$name" ip link set lo up
  netns_exec_unguarded "$name" ip link set "h$n" name eth0
  # Addresses must be usable at once (no tentative link-local): switch DAD off before link up.
  netns_exec_unguarded "$name" sh -c 'echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad'
  netns_exec_unguarded "$name" ip link set eth0 multicast on up
  netns_exec_unguarded "$name" ip addr add "10.0.0.$n/24" dev eth0
  netns_exec_unguarded "$name" ip -6 addr add "fd00::$n/64" dev eth0 nodad
  netns_guard "$name"
  netns_wait_link_local "$name"
}

# Waits (bounded) until eth0 of the host has a usable IPv6 link-local address.
netns_wait_link_local() {
  local name=$1 i out
  for ((i = 0; i < 500; i++)); do
    out=$(netns_exec_unguarded "$name" ip -6 -o addr show dev eth0 scope link)
    if [[ -n $out && $out != *tentative* ]]; then
      return 0
    fi
    sleep 0.01
  done
  netns_die "host '$name': no IPv6 link-local address on eth0"
}

netns_exec() {
  netns_guard "$1"
  netns_exec_unguarded "$@"
}

netns_spawn() {
  local name=$1
  shift
  netns_guard "$name"
  local pid=${NETNS_HOST_PID[$name]}
  netns_background nsenter --net="/proc/$pid/ns/net" -- "$@"
}

# Stops a process started by netns_spawn (only those: the pid must be ours) and waits for it.
netns_stop() {
  local pid=$1 p
  for p in "${NETNS_PIDS[@]}"; do
    if [[ $p == "$pid" ]]; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 0
    fi
  done
  netns_die "netns_stop: $pid was not started by this harness"
}

netns_ifindex() {
  local out
  out=$(netns_exec_unguarded "$1" ip -o link show dev "$2") || netns_die "no interface $2 in host $1"
  echo "${out%%:*}"
}

netns_wait_for_file() {
  local path=$1 seconds=${2:-10} i
  for ((i = 0; i < seconds * 100; i++)); do
    [[ -e $path ]] && return 0
    sleep 0.01
  done
  netns_die "timed out waiting for $path"
}
