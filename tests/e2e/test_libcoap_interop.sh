#!/usr/bin/env bash
# Interoperability: libcoap's coap-client-notls (Debian libcoap3-bin; a CoAP client nobody here
# wrote) against our server (tests/e2e/coap_peer serve: src/msg over ocf_posix_net), between two
# network namespaces when the machine allows them, else over the host's loopback. Checks:
#   - /test/big with Block2 (RFC 7959): libcoap asking for 1024- and 64-byte blocks (SZX
#     negotiation), not asking at all (the server starts block-wise), a single block picked by
#     number, a NON request, and a client that fails to send its 2nd, 5th and 9th datagram
#     (-l: libcoap retransmits); the file libcoap writes must be exactly the 10240 expected
#     bytes (or the expected 64-byte block)
#   - /oic/res with Accept 10000: exactly the bytes our server sends; Accept 42: 4.06
#   - POST with Block1 (-b 256 and -b 1024) to /test/echo: the echo libcoap writes is identical
#   - 4.04 for an unknown path, 4.05 for a method the resource does not have
#   - (namespaces only) libcoap's multicast GET /oic/res to ff02::158 and 224.0.1.187 is answered
#   - (namespaces only) the other way round: our client PUTs 10 KiB block-wise to libcoap's
#     coap-server-notls and GETs it back (1024- and 64-byte blocks, and losing 20%), identical
# Usage: test_libcoap_interop.sh path/to/coap_peer  (exit 77 = skipped: no coap-client-notls)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

peer=${1:?usage: test_libcoap_interop.sh path/to/coap_peer}
client=${COAP_CLIENT:-coap-client-notls}
if ! command -v "$client" >/dev/null 2>&1; then
  echo "SKIP: $client not found (Debian package libcoap3-bin; deps/install --packages installs it)" >&2
  exit 77
fi
command -v python3 >/dev/null || {
  echo "SKIP: python3 not found" >&2
  exit 77
}
[[ -x $peer ]] || {
  echo "not executable: $peer" >&2
  exit 1
}

# Two hosts in network namespaces (tests/e2e/netns.sh) when the machine allows them: server in
# "dev", libcoap in "obt", over IPv6 and IPv4 on a veth link, plus multicast. Without namespaces,
# the host's loopback (::1 and 127.0.0.1, unicast only: OCF multicast never leaves a namespace
# the test made).
mode=loopback
if [[ ${OCF_NETNS_INSIDE:-} == 1 ]] || unshare -rn true 2>/dev/null; then
  # shellcheck source=tests/e2e/netns.sh
  source "$here/netns.sh"
  netns_enter "$here/$(basename "$0")" "$@"
  mode=netns
fi

pattern() {
  python3 -c 'import sys; n = int(sys.argv[1]); sys.stdout.buffer.write(bytes((i * 31 + 7 + (i >> 8) * 17) & 0xff for i in range(n)))' "$1"
}
hex_of() { od -An -v -tx1 "$1" | tr -d ' \n'; }

server_pid=""
if [[ $mode == netns ]]; then
  netns_setup
  netns_add_host dev 1
  netns_add_host obt 2
  tmp=$NETNS_TMP
  # libcoap does not pick a multicast interface itself: give IPv4 multicast a route (IPv6 has
  # ff00::/8 on eth0 already).
  netns_exec obt ip route add 224.0.0.0/4 dev eth0
  netns_spawn dev "$peer" serve --multicast --if eth0 --leisure 300 --port-file "$tmp/ports" 2>"$tmp/server.log"
  server_pid=$NETNS_LAST_PID
  netns_wait_for_file "$tmp/ports"
  run_client() { netns_exec obt "$@"; }
  addr6=fd00::1 addr4=10.0.0.1
  echo "where: two network namespaces on a veth link (server fd00::1 / 10.0.0.1, client fd00::2 / 10.0.0.2)"
else
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ocf-libcoap.XXXXXX")
  cleanup() {
    if [[ -n $server_pid ]]; then
      kill "$server_pid" 2>/dev/null || true
      wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf -- "$tmp"
  }
  trap cleanup EXIT
  "$peer" serve --bind ::1 --bind 127.0.0.1 --port-file "$tmp/ports" 2>"$tmp/server.log" &
  server_pid=$!
  for ((i = 0; i < 1000; i++)); do
    [[ -e $tmp/ports ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.01
  done
  [[ -e $tmp/ports ]] || {
    cat "$tmp/server.log" >&2
    echo "the server did not start" >&2
    exit 1
  }
  run_client() { "$@"; }
  addr6=::1 addr4=127.0.0.1
  echo "where: the host's loopback (no user namespaces here; the multicast checks are skipped)"
fi

echo "libcoap: $("$client" 2>&1 | head -n 1 || true)"
if command -v dpkg-query >/dev/null; then
  echo "libcoap package: $(dpkg-query -W -f '${Package} ${Version}' libcoap3-bin 2>/dev/null || echo unknown)"
fi
pattern 10240 >"$tmp/big.expected"
res_hex=$("$peer" res-hex)
u6=$(sed -n 's/^unicast6=//p' "$tmp/ports")
u4=$(sed -n 's/^unicast4=//p' "$tmp/ports")
base6="coap://[$addr6]:$u6"
base4="coap://$addr4:$u4"

failures=0
pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# libcoap NAME ARGS...: runs the client (give-up after 60 s); output in $tmp/NAME.log, sets $rc.
libcoap() {
  local name=$1
  shift
  rc=0
  run_client "$client" -B 60 "$@" >"$tmp/$name.log" 2>&1 || rc=$?
  sed "s/^/  [$name] /" "$tmp/$name.log"
}

# get_big NAME URL-BASE ARGS...: libcoap GETs /test/big into a file that must equal the pattern.
get_big() {
  local name=$1 base=$2
  shift 2
  rm -f "$tmp/$name.bin"
  libcoap "$name" -m get "$@" -o "$tmp/$name.bin" "$base/test/big"
  if [[ $rc -eq 0 ]] && cmp -s "$tmp/$name.bin" "$tmp/big.expected"; then
    pass "libcoap GET $base/test/big $*: 10240 bytes, identical"
  else
    fail "libcoap GET $base/test/big $* (exit $rc): $(cmp "$tmp/$name.bin" "$tmp/big.expected" 2>&1 || true)"
  fi
}

get_big big1024 "$base6" -b 1024
get_big big64 "$base6" -b 64
get_big big_unasked "$base4"
get_big big_non "$base4" -N -b 512
get_big big_lossy "$base6" -b 1024 -l 2,5,9

# RFC 7959 2.4: a client may ask for one block by number; block 3 of 64 bytes is bytes 192..255.
libcoap block3 -m get -b 3,64 -o "$tmp/block3.bin" "$base6/test/big"
if [[ $rc -eq 0 ]] && cmp -s "$tmp/block3.bin" <(tail -c +193 "$tmp/big.expected" | head -c 64); then
  pass "libcoap GET of block 3 (64 bytes) alone: bytes 192..255"
else
  fail "libcoap GET of block 3 alone (exit $rc)"
fi

libcoap res -m get -A 10000 -o "$tmp/res.bin" "$base6/oic/res"
if [[ $rc -eq 0 && -s $tmp/res.bin && $(hex_of "$tmp/res.bin") == "$res_hex" ]]; then
  pass "libcoap GET /oic/res with Accept 10000: exactly the bytes the server sends"
else
  fail "libcoap GET /oic/res with Accept 10000 (exit $rc): got $(hex_of "$tmp/res.bin" 2>/dev/null | head -c 80)"
fi

# expect_code NAME CODE DESCRIPTION ARGS...: libcoap must report CODE.
expect_code() {
  local name=$1 code=$2 what=$3
  shift 3
  libcoap "$name" "$@"
  if grep -qx "$code" "$tmp/$name.log"; then
    pass "$what: $code"
  else
    fail "$what: expected $code (exit $rc)"
  fi
}
expect_code accept42 4.06 "GET /oic/res with Accept 42" -m get -A 42 "$base6/oic/res"
expect_code notfound 4.04 "GET of an unknown path" -m get "$base4/no/such/thing"
expect_code put 4.05 "PUT to /test/echo" -m put -e hello "$base6/test/echo"

# post_echo NAME SIZE URL-BASE ARGS...: libcoap POSTs SIZE pattern bytes; the echo must be identical.
post_echo() {
  local name=$1 size=$2 base=$3
  shift 3
  pattern "$size" >"$tmp/$name.in"
  rm -f "$tmp/$name.bin"
  libcoap "$name" -m post -t 42 -f "$tmp/$name.in" -o "$tmp/$name.bin" "$@" "$base/test/echo"
  if [[ $rc -eq 0 ]] && cmp -s "$tmp/$name.bin" "$tmp/$name.in"; then
    pass "libcoap POST of $size bytes $* to $base/test/echo: echoed identically"
  else
    fail "libcoap POST of $size bytes $* (exit $rc): $(cmp "$tmp/$name.bin" "$tmp/$name.in" 2>&1 || true)"
  fi
}
post_echo post256 3000 "$base6" -b 256
post_echo post1024 10240 "$base4" -b 1024

# Multicast discovery by libcoap (NON, RFC 7252 8.1): our server answers after its leisure.
if [[ $mode == netns ]]; then
  for group in "[ff02::158]" "224.0.1.187"; do
    rm -f "$tmp/mc.bin"
    libcoap mc -N -B 3 -m get -A 10000 -o "$tmp/mc.bin" "coap://$group/oic/res"
    if [[ -s $tmp/mc.bin && $(hex_of "$tmp/mc.bin") == "$res_hex" ]]; then
      pass "libcoap multicast GET coap://$group/oic/res: answered with the /oic/res body"
    else
      fail "libcoap multicast GET coap://$group/oic/res (exit $rc): no or a wrong answer"
    fi
  done
else
  echo "NOTE: multicast checks skipped (no network namespace here)"
fi

# The other direction: our client (coap_peer on src/msg) against libcoap's coap-server-notls,
# which creates resources on PUT (-d) and echoes the body (-e); then a GET with our client
# dropping 20% of the datagrams each way (--loss). No lossy PUT: coap-server-notls 4.3.1 does
# not answer a retransmitted last Block1 block from its duplicate cache but runs it again as a
# one-block PUT, replacing the resource with that block (RFC 7252 4.5 says SHOULD process once).
# Namespaces only: the server needs a fixed port.
server_cmd=${client/coap-client/coap-server}
if [[ $mode == netns ]] && command -v "$server_cmd" >/dev/null 2>&1; then
  netns_spawn dev "$server_cmd" -A fd00::1 -p 5690 -d 8 -e
  for ((i = 0; i < 100; i++)); do # wait (bounded) until the server answers at all
    netns_exec obt "$peer" get "coap://[fd00::1]:5690/" --timeout 1000 >/dev/null 2>&1 && break
  done
  peer_to() { # peer_to NAME DESCRIPTION ARGS...: our client against libcoap's server
    local name=$1 what=$2
    shift 2
    rc=0
    netns_exec obt "$peer" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
    sed "s/^/  [$name] /" "$tmp/$name.err"
    if [[ $rc -eq 0 ]] && { [[ $1 != get ]] || cmp -s "$tmp/$name.bin" "$tmp/big.expected"; }; then
      pass "$what"
    else
      fail "$what (exit $rc)"
    fi
  }
  peer_to put "our Block1 PUT of 10240 bytes to libcoap's server: 2.01, echo identical" \
    put "coap://[fd00::1]:5690/big" --size 10240
  peer_to get "our Block2 GET of it back from libcoap's server: identical" \
    get "coap://[fd00::1]:5690/big" --out "$tmp/get.bin"
  peer_to get64 "the same with 64-byte blocks: identical" \
    get "coap://[fd00::1]:5690/big" --block-size 64 --out "$tmp/get64.bin"
  peer_to lossy_get "the same with our client losing 20% each way: identical" \
    get "coap://[fd00::1]:5690/big" --out "$tmp/lossy_get.bin" --loss 20 --loss-seed 3 \
    --ack-timeout 500 --max-retransmit 8
  if grep -q "loss: dropped [1-9]\|loss: dropped 0 incoming and [1-9]" "$tmp/lossy_get.err"; then
    pass "the lossy GET really lost datagrams"
  else
    fail "the lossy GET lost nothing: it proved nothing"
  fi
else
  echo "NOTE: our client against $server_cmd skipped (needs namespaces and $server_cmd)"
fi

kill -TERM "$server_pid"
server_rc=0
wait "$server_pid" || server_rc=$?
server_pid=""
if [[ $server_rc -eq 0 ]]; then
  pass "the server exits 0 on SIGTERM"
else
  fail "the server exited $server_rc on SIGTERM"
fi
if ((failures > 0)); then
  sed 's/^/  [server] /' "$tmp/server.log"
  echo "$failures check(s) failed"
  exit 1
fi
echo "all libcoap interop checks passed"
