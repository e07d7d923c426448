#!/usr/bin/env bash
# End-to-end: ocf-device's coaps port against libcoap's coap-client-openssl (an independent DTLS
# stack) over real UDP between network namespaces (ADR 0018).
#
# The device offers Random PIN. coap-client-notls selects it in the clear (POST doxm oxmsel 1):
# the device must print the PIN and write it to --pin-file (8 digits, mode 0600). Then
# coap-client-openssl runs a PSK handshake (TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, identity
# "oic.sec.doxm.rdp") with a wrong key: it must fail (no answer), and the device must keep
# serving and be back in a clean RFOTM (digest 3.6: new deviceuuid, oxmsel 4). A DTLS
# ClientHello before any OTM is selected is refused the same way. The full onboarding by
# `obt onboard` is the OBT's e2e test.
# Usage: test_device_dtls.sh path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v coap-client-notls >/dev/null 2>&1 || netns_skip "coap-client-notls not found (Debian libcoap3-bin)"
command -v coap-client-openssl >/dev/null 2>&1 || netns_skip "coap-client-openssl not found (Debian libcoap3-bin)"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

device=${1:?usage: test_device_dtls.sh path/to/ocf-device}
[[ -x $device ]] || netns_die "not executable: $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

failures=0
pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# doxm_field FILE KEY: prints one property of a CBOR doxm map (uuids as text, numbers).
doxm_field() {
  python3 - "$1" "$2" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
def item(p):
    ib = data[p]; mj, ai = ib >> 5, ib & 31; p += 1
    if mj == 7: return {20: False, 21: True, 22: None}[ai], p
    if ai < 24: a = ai
    else:
        n = {24: 1, 25: 2, 26: 4, 27: 8}[ai]; a = int.from_bytes(data[p:p + n], "big"); p += n
    if mj == 0: return a, p
    if mj in (2, 3): v = data[p:p + a]; return (v.decode() if mj == 3 else v), p + a
    out = [] if mj == 4 else {}
    for _ in range(a):
        if mj == 4: v, p = item(p); out.append(v)
        else: k, p = item(p); v, p = item(p); out[k] = v
    return out, p
print(item(0)[0].get(sys.argv[2]))
PY
}

netns_spawn dev "$device" --name dtls-dev --interface eth0 --otm jw,rdp --port-file "$NETNS_TMP/ports" \
  --pin-file "$NETNS_TMP/pin" --log-level info 2>"$NETNS_TMP/dev.log"
dev_pid=$NETNS_LAST_PID
netns_wait_for_file "$NETNS_TMP/ports"
ports=$(cat "$NETNS_TMP/ports")
[[ $ports =~ ^coap6=([0-9]+)\ coap4=([0-9]+)\ coaps6=([0-9]+)\ coaps4=([0-9]+)$ ]] || netns_die "bad port file: $ports"
coap6=${BASH_REMATCH[1]}
coaps6=${BASH_REMATCH[3]}
coaps4=${BASH_REMATCH[4]}
((coaps6 > 0 && coaps4 > 0)) && pass "coaps ports open: $coaps6 (IPv6), $coaps4 (IPv4)" || fail "no coaps ports: $ports"
plain="coap://[fd00::1]:$coap6"
secure="coaps://[fd00::1]:$coaps6"

get_doxm() {
  rm -f "$NETNS_TMP/doxm.cbor"
  netns_exec obt coap-client-notls -B 5 -A 10000 -o "$NETNS_TMP/doxm.cbor" "$plain/oic/sec/doxm" >/dev/null 2>&1 || true
  [[ -s $NETNS_TMP/doxm.cbor ]]
}

# psk_attempt NAME: a PSK handshake with a wrong key; prints nothing, leaves NAME.out.
psk_attempt() {
  rm -f "$NETNS_TMP/$1.cbor"
  netns_exec obt timeout 30 coap-client-openssl -B 8 -u oic.sec.doxm.rdp -k wrong-key-0123456 -A 10000 \
    -o "$NETNS_TMP/$1.cbor" "$secure/oic/sec/doxm" >"$NETNS_TMP/$1.out" 2>&1 || true
}

# 1. Before any OTM is selected, a DTLS handshake is refused (digest 3.6, 5.4).
psk_attempt early
if [[ ! -s $NETNS_TMP/early.cbor ]]; then pass "a handshake before oxmsel gets no answer"
else fail "a handshake before oxmsel got an answer"; fi

get_doxm || netns_die "no doxm: $(cat "$NETNS_TMP/dev.log")"
di1=$(doxm_field "$NETNS_TMP/doxm.cbor" deviceuuid)

# 2. Selecting Random PIN shows a new PIN (digest 4.3).
printf '\xa1\x66oxmsel\x01' >"$NETNS_TMP/rdp.cbor"
netns_exec obt coap-client-notls -B 5 -m post -t 10000 -f "$NETNS_TMP/rdp.cbor" "$plain/oic/sec/doxm" \
  >"$NETNS_TMP/sel.out" 2>&1 || true
netns_wait_for_file "$NETNS_TMP/pin" 5 || true
if [[ -f $NETNS_TMP/pin ]] && [[ $(cat "$NETNS_TMP/pin") =~ ^[0-9]{8}$ ]]; then
  pass "the PIN file holds 8 digits"
else fail "no PIN file after oxmsel 1: $(cat "$NETNS_TMP/sel.out")"; fi
mode=$(stat -c %a "$NETNS_TMP/pin" 2>/dev/null || echo none)
[[ $mode == 600 ]] && pass "the PIN file is 0600" || fail "PIN file mode $mode"
pin=$(cat "$NETNS_TMP/pin" 2>/dev/null || echo none)
if grep -q "ocf-device: PIN $pin" "$NETNS_TMP/dev.log"; then pass "the PIN is printed"
else fail "PIN not printed"; fi

# 3. A wrong PIN key: the handshake fails, the device resets to a clean RFOTM and keeps serving.
psk_attempt wrong
if [[ ! -s $NETNS_TMP/wrong.cbor ]]; then pass "a wrong PSK gets no answer over coaps"
else fail "a wrong PSK got an answer"; fi
sleep 0.5
if get_doxm; then
  di2=$(doxm_field "$NETNS_TMP/doxm.cbor" deviceuuid)
  sel=$(doxm_field "$NETNS_TMP/doxm.cbor" oxmsel)
  [[ $di2 != "$di1" && $sel == 4 ]] && pass "after the failed handshake: new deviceuuid, oxmsel 4 (digest 3.6)" ||
    fail "after the failed handshake: deviceuuid $di1 -> $di2, oxmsel $sel"
else fail "the device stopped answering after a failed handshake"; fi
grep -q "onboarding handshake (oic.sec.doxm.rdp) failed" "$NETNS_TMP/dev.log" &&
  pass "the device logged the failed PIN handshake" || fail "no failed-handshake log line"
if grep -q "$pin" <(grep -v "ocf-device: PIN" "$NETNS_TMP/dev.log"); then fail "the PIN appears in a log line"
else pass "the PIN is in no log line"; fi

kill -TERM "$dev_pid"
rc=0
wait "$dev_pid" || rc=$?
((rc == 0)) && pass "SIGTERM stops it with status 0" || { fail "exit status $rc"; cat "$NETNS_TMP/dev.log"; }

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all device DTLS checks passed"
