#!/usr/bin/env bash
# End-to-end: OCF multicast over real UDP between two network namespaces joined by a bridge
# (digest 1.1: groups ff02::158, ff03::158, ff05::158 and 224.0.1.187 on port 5683).
#
# Host "dev" runs two udp_probe echo processes sharing port 5683 (SO_REUSEPORT); host "obt"
# sends probes. Each probe must come back from both echoes, marked as multicast on arrival at
# dev's eth0, answered by unicast from an ephemeral port (pitfall 38) and arriving at obt's eth0.
# Usage: test_netns_multicast.sh path/to/udp_probe   (exit 77 = skipped: no namespaces here)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
netns_enter "$here/$(basename "$0")" "$@"

probe=${1:?usage: test_netns_multicast.sh path/to/udp_probe path/to/hop_listener}
hop_listener=${2:?usage: test_netns_multicast.sh path/to/udp_probe path/to/hop_listener}
[[ -x $probe && -x $hop_listener ]] || netns_die "test programs not executable: $probe $hop_listener"

netns_setup
netns_add_host dev 1
netns_add_host obt 2
dev_if=$(netns_ifindex dev eth0)
obt_if=$(netns_ifindex obt eth0)

netns_spawn dev "$probe" echo --if eth0 --ready "$NETNS_TMP/echo1" --timeout-ms 120000
netns_spawn dev "$probe" echo --if eth0 --ready "$NETNS_TMP/echo2" --timeout-ms 120000
netns_wait_for_file "$NETNS_TMP/echo1"
netns_wait_for_file "$NETNS_TMP/echo2"
# An independent witness (plain sockets) records the hop limit each group datagram arrives with.
netns_spawn dev "$hop_listener" eth0 5683 "$NETNS_TMP/hops_ready" 120000 >"$NETNS_TMP/hops"
hop_pid=$NETNS_LAST_PID
netns_wait_for_file "$NETNS_TMP/hops_ready"

failures=0
# expect DESCRIPTION HOST udp_probe-send-arguments...
expect() {
  local what=$1 host=$2
  shift 2
  if netns_exec "$host" "$probe" send --if eth0 --timeout-ms 10000 "$@"; then
    echo "PASS: $what"
  else
    echo "FAIL: $what"
    failures=$((failures + 1))
  fi
}

for group in "[ff02::158]" "[ff03::158]" "[ff05::158]" "224.0.1.187"; do
  expect "multicast $group reaches both processes on dev and is answered by unicast" obt \
    --to "coap://$group:5683" --expect-if "$dev_if" --expect-local-if "$obt_if" --replies 2
done

# Digest 1.1: hop limit 1 for ff02::158 and 224.0.1.187, 255 for ff03::158 and ff05::158.
netns_stop "$hop_pid"
for expected in "ff02::158 hops=1" "ff03::158 hops=255" "ff05::158 hops=255" "224.0.1.187 hops=1"; do
  if grep -qx "$expected" "$NETNS_TMP/hops" && ! grep "^${expected% *} " "$NETNS_TMP/hops" | grep -qvx "$expected"; then
    echo "PASS: every datagram to ${expected% *} arrived with ${expected#* }"
  else
    echo "FAIL: expected every datagram to ${expected% *} with ${expected#* }; the witness saw:"
    sed 's/^/  /' "$NETNS_TMP/hops"
    failures=$((failures + 1))
  fi
done

# Unicast to the multicast port (the witness is gone: SO_REUSEPORT would hand it unicast) is not marked multicast; SO_REUSEPORT hands it to one process.
expect "unicast [fd00::1]:5683 is answered without the multicast flag" obt \
  --to "coap://[fd00::1]:5683" --expect-if "$dev_if" --expect-local-if "$obt_if"
expect "unicast 10.0.0.1:5683 is answered without the multicast flag" obt \
  --to "coap://10.0.0.1:5683" --expect-if "$dev_if" --expect-local-if "$obt_if"

# Multicast loopback: a process hears the groups joined by other processes on its own host.
expect "multicast loopback on one host (ff02::158)" dev \
  --to "coap://[ff02::158]:5683" --expect-if "$dev_if" --replies 2
expect "multicast loopback on one host (224.0.1.187)" dev \
  --to "coap://224.0.1.187:5683" --expect-if "$dev_if" --replies 2

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all multicast checks passed"
