#!/usr/bin/env bash
# End-to-end: CoAP over real UDP between two hosts (network namespaces, tests/e2e/netns.sh), with
# src/msg on both ends (tests/e2e/coap_peer). Host "dev" serves, host "obt" is the client:
#   - unicast GET /oic/res over IPv6 (global and link-local) and IPv4, bytes compared;
#     4.04 for an unknown path; the OCF version options when the client sends Accept 10000
#   - multicast discovery (ff02::158 and 224.0.1.187 in one request): one answer per family,
#     each from the server's unicast port (pitfall 38), never from 5683
#   - a multi-block resource over multicast (the rest fetched by unicast); no answer at all to
#     a group request for an unknown path
#   - a neighbour's datagram from the unspecified source [::] is dropped, not answered (the
#     answer would land on the server's own loopback)
#   - a 10 KiB Block2 GET (1024- and 64-byte blocks) and 10 KiB Block1 POSTs echoed back
#     (the echo itself comes back with Block2), all compared byte for byte
#   - the 10 KiB GET and POST again with 20% loss in each direction: tc netem on both veth ends
#     when the kernel has it, otherwise coap_peer's own seeded loss (--loss) on the server
#   - the server stops cleanly on SIGTERM (exit 0, which under ASan also means no leak)
# Usage: test_coap_transfer.sh path/to/coap_peer   (exit 77 = skipped: no namespaces here)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
netns_enter "$here/$(basename "$0")" "$@"

peer=${1:?usage: test_coap_transfer.sh path/to/coap_peer}
[[ -x $peer ]] || netns_die "not executable: $peer"
command -v python3 >/dev/null || netns_skip "python3 not found"

netns_setup
netns_add_host dev 1
netns_add_host obt 2
obt_if=$(netns_ifindex obt eth0)
tmp=$NETNS_TMP

# The pattern coap_peer serves and posts, computed independently: byte i = (i*31 + 7 + (i>>8)*17) & 0xff.
pattern() {
  python3 -c 'import sys; n = int(sys.argv[1]); sys.stdout.buffer.write(bytes((i * 31 + 7 + (i >> 8) * 17) & 0xff for i in range(n)))' "$1"
}
pattern 10240 >"$tmp/big.expected"
res_hex=$("$peer" res-hex)

# port_of FILE KEY: the value of a "KEY=N" line written by coap_peer serve --port-file.
port_of() {
  local key value
  while IFS== read -r key value; do
    if [[ $key == "$2" ]]; then
      echo "$value"
      return 0
    fi
  done <"$1"
  netns_die "no $2 in $1"
}

netns_spawn dev "$peer" serve --multicast --if eth0 --leisure 300 --port-file "$tmp/ports" 2>"$tmp/server.log"
server_pid=$NETNS_LAST_PID
netns_wait_for_file "$tmp/ports"
u6=$(port_of "$tmp/ports" unicast6)
u4=$(port_of "$tmp/ports" unicast4)
ll=$(netns_exec dev ip -6 -o addr show dev eth0 scope link | sed -n 's/.* inet6 \(fe80:[0-9a-f:]*\)\/64.*/\1/p' | head -n 1)
[[ -n $ll ]] || netns_die "dev has no link-local address"
echo "server: unicast6=$u6 unicast4=$u4 link-local=$ll"

failures=0
pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# client NAME ARGS...: runs coap_peer in obt; stdout -> $tmp/NAME.out, stderr -> $tmp/NAME.err;
# sets $rc. The stderr lines are echoed to the log.
client() {
  local name=$1
  shift
  rc=0
  netns_exec obt "$peer" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  sed "s/^/  [$name] /" "$tmp/$name.err"
}

# --- unicast GET /oic/res ---------------------------------------------------------------------
for target in "[fd00::1]:$u6" "10.0.0.1:$u4" "[$ll%$obt_if]:$u6"; do
  client res get "coap://$target/oic/res" --expect-cf 10000
  if [[ $rc -eq 0 && $(cat "$tmp/res.out") == "$res_hex" ]] &&
    grep -qx "get: links: /oic/res /test/big /test/echo" "$tmp/res.err"; then
    pass "GET coap://$target/oic/res: 2.05, Content-Format 10000, the body the server sends (src/rep decodes its 3 links)"
  else
    fail "GET coap://$target/oic/res (exit $rc, body $(head -c 80 "$tmp/res.out"))"
  fi
done

client ocfver get "coap://[fd00::1]:$u6/oic/res" --accept 10000 --expect-cf 10000
if [[ $rc -eq 0 ]] && grep -q "ocf-version=2048" "$tmp/ocfver.err"; then
  pass "Accept 10000 with OCF-Accept-Content-Format-Version: answered with OCF-Content-Format-Version 2048"
else
  fail "OCF version options (exit $rc)"
fi

client notfound get "coap://10.0.0.1:$u4/no/such/thing"
if [[ $rc -eq 1 ]] && grep -q " 4\.04 " "$tmp/notfound.err"; then
  pass "GET of an unknown path: 4.04, exit 1"
else
  fail "GET of an unknown path (exit $rc)"
fi

# --- multicast discovery ----------------------------------------------------------------------
client discover discover --if eth0 --window 2000 --expect 2
cat "$tmp/discover.out"
if [[ $rc -eq 0 ]] &&
  grep -qx "coap://\[fe80:[0-9a-f:]*%$obt_if\]:$u6 2\.05 cf=10000 $res_hex" "$tmp/discover.out" &&
  grep -qx "coap://10\.0\.0\.1:$u4 2\.05 cf=10000 $res_hex" "$tmp/discover.out" &&
  [[ $(wc -l <"$tmp/discover.out") -eq 2 ]]; then
  pass "discovery to ff02::158 and 224.0.1.187: one answer per family, each from the unicast port"
else
  fail "discovery (exit $rc): expected answers from [fe80::...]:$u6 and 10.0.0.1:$u4 with the /oic/res body"
fi
if grep -q "GET /oic/res from coap://\[fe80:.* mc=1 " "$tmp/server.log" &&
  grep -q "GET /oic/res from coap://10\.0\.0\.2:.* mc=1 " "$tmp/server.log"; then
  pass "the server received the discovery on both groups as multicast"
else
  fail "the server did not log multicast requests for both families"
fi
for family in 6 4; do
  client "discover$family" discover --if eth0 --family "$family" --window 1500
  if [[ $rc -eq 0 && $(wc -l <"$tmp/discover$family.out") -eq 1 ]]; then
    pass "IPv$family-only discovery: exactly one answer"
  else
    fail "IPv$family-only discovery (exit $rc)"
  fi
done

# A multi-block resource over multicast: each responder's first block comes to the group request,
# the rest is fetched from the responder's unicast port (docs/decisions/0006-msg-layer.md).
client mcbig discover --if eth0 --window 2000 --expect 2 --path /test/big
big_hex=$(od -An -v -tx1 "$tmp/big.expected" | tr -d ' \n')
if [[ $rc -eq 0 && $(wc -l <"$tmp/mcbig.out") -eq 2 ]] && ! grep -qv " 2\.05 cf=42 $big_hex\$" "$tmp/mcbig.out"; then
  pass "multicast GET /test/big: both answers complete (10240 bytes each, identical)"
else
  fail "multicast GET /test/big (exit $rc)"
fi
# RFC 7252 8.2, digest pitfall 29: no error answers to a group request.
client mcnope discover --if eth0 --window 1000 --path /no/such/thing
if [[ $rc -eq 2 && ! -s $tmp/mcnope.out ]]; then
  pass "multicast GET of an unknown path: no answer at all (no 4.04 to a group)"
else
  fail "multicast GET of an unknown path was answered (exit $rc)"
fi

# A neighbour forging the unspecified source [::]:40000: Linux would deliver a reply to the
# server's own [::1]:40000. The server must drop it; the GET after it shows it was processed.
netns_spawn dev python3 "$here/forged_source.py" listen 40000 "$tmp/forged_ready" "$tmp/forged_go" \
  >"$tmp/forged.out"
forged_pid=$NETNS_LAST_PID
netns_wait_for_file "$tmp/forged_ready"
netns_exec obt python3 "$here/forged_source.py" send fd00::1 "$u6" 40000 eth0
client forged_next get "coap://[fd00::1]:$u6/oic/res"
touch "$tmp/forged_go"
wait "$forged_pid" || true
if [[ $rc -eq 0 && $(cat "$tmp/forged.out") == "received 0" ]] && ! grep -q "from coap://\[::\]" "$tmp/server.log"; then
  pass "a datagram from the unspecified address [::] is dropped, not reflected to the server's loopback"
else
  fail "forged [::] source: $(cat "$tmp/forged.out"); server log: $(grep "\[::\]" "$tmp/server.log" || true)"
fi

# --- block-wise -------------------------------------------------------------------------------
get_big() { # get_big NAME URL EXTRA-ARGS...
  local name=$1 url=$2
  shift 2
  client "$name" get "$url" --out "$tmp/$name.bin" --expect-cf 42 "$@"
  if [[ $rc -eq 0 ]] && cmp -s "$tmp/$name.bin" "$tmp/big.expected"; then
    pass "Block2 GET $url $*: 10240 bytes, identical"
  else
    fail "Block2 GET $url $* (exit $rc): $(cmp "$tmp/$name.bin" "$tmp/big.expected" 2>&1 || true)"
  fi
}
post_echo() { # post_echo NAME URL SIZE EXTRA-ARGS...
  local name=$1 url=$2 size=$3
  shift 3
  pattern "$size" >"$tmp/$name.expected"
  client "$name" post "$url" --size "$size" --out "$tmp/$name.bin" "$@"
  if [[ $rc -eq 0 ]] && cmp -s "$tmp/$name.bin" "$tmp/$name.expected"; then
    pass "Block1 POST $url of $size bytes $*: echoed identically"
  else
    fail "Block1 POST $url of $size bytes $* (exit $rc)"
  fi
}

get_big big6 "coap://[fd00::1]:$u6/test/big"
get_big big4 "coap://10.0.0.1:$u4/test/big"
get_big big64 "coap://[fd00::1]:$u6/test/big" --block-size 64
post_echo post6 "coap://[fd00::1]:$u6/test/echo" 10240
post_echo post4 "coap://10.0.0.1:$u4/test/echo" 10001 --block-size 256

# --- lossy link -------------------------------------------------------------------------------
lossy_args=(--ack-timeout 500 --max-retransmit 8 --timeout 150000)
netem_err=""
if netem_err=$(netns_exec dev tc qdisc add dev eth0 root netem loss 20% 2>&1) &&
  netem_err=$(netns_exec obt tc qdisc add dev eth0 root netem loss 20% 2>&1); then
  echo "lossy link: tc netem, 20% loss on both veth ends"
  get_big lossy_big "coap://[fd00::1]:$u6/test/big" "${lossy_args[@]}"
  post_echo lossy_post "coap://10.0.0.1:$u4/test/echo" 10240 "${lossy_args[@]}"
  dropped=0
  for host in dev obt; do
    n=$(netns_exec "$host" tc -s qdisc show dev eth0 | sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' | head -n 1)
    dropped=$((dropped + ${n:-0}))
    netns_exec "$host" tc qdisc del dev eth0 root
  done
else
  echo "NOTE: tc netem is not available here (${netem_err:-tc failed}); the lossy part uses" \
    "coap_peer's in-process loss instead: a second server drops 20% of datagrams each way"
  netns_spawn dev "$peer" serve --bind fd00::1 --bind 10.0.0.1 --loss 20 --loss-seed 7 \
    --port-file "$tmp/lossy_ports" 2>"$tmp/lossy_server.log"
  lossy_pid=$NETNS_LAST_PID
  netns_wait_for_file "$tmp/lossy_ports"
  l6=$(port_of "$tmp/lossy_ports" unicast6)
  l4=$(port_of "$tmp/lossy_ports" unicast4)
  get_big lossy_big "coap://[fd00::1]:$l6/test/big" "${lossy_args[@]}"
  post_echo lossy_post "coap://10.0.0.1:$l4/test/echo" 10240 "${lossy_args[@]}"
  kill -TERM "$lossy_pid"
  wait "$lossy_pid" || true
  sed 's/^/  [lossy server] /' "$tmp/lossy_server.log" | grep -v " from coap://" || true
  dropped=$(sed -n 's/.*loss: dropped \([0-9]*\) incoming and \([0-9]*\) outgoing.*/\1 \2/p' "$tmp/lossy_server.log" |
    awk '{print $1 + $2}')
fi
if [[ ${dropped:-0} -gt 0 ]]; then
  pass "the lossy transfers really lost datagrams ($dropped dropped)"
else
  fail "no datagram was dropped on the lossy link: that part proved nothing"
fi

# --- clean shutdown ---------------------------------------------------------------------------
kill -TERM "$server_pid"
server_rc=0
wait "$server_pid" || server_rc=$?
if [[ $server_rc -eq 0 ]]; then
  pass "the server exits 0 on SIGTERM"
else
  fail "the server exited $server_rc on SIGTERM"
  sed 's/^/  [server] /' "$tmp/server.log"
fi

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all CoAP transfer checks passed"
