#!/usr/bin/env bash
# External clients nobody here wrote, against ocf-device in normal operation (issue 4 and 6 "done
# when"; digest §4.1, §8.2). One Just Works ocf-device "dev-b" (sct 9: PSK and certificates) on
# host "dev", claimed by obt on host "obt" (network namespaces, real UDP and DTLS).
#
# Pre-shared key: `obt pair DEV --client CLIENT --show-key` gives dev-b a credtype 1 key whose
# subject is CLIENT, a uuid we pick whose 16 bytes are the ASCII text "OCFexternalClnt1": the
# device takes the PSK identity as the 16 raw bytes of the client's uuid (digest §4.1), and
# libcoap 4.3.1's coap-client takes -u (identity) and -k (key) as raw C strings, no hex. So the
# identity must hold no NUL byte (ours is printable), and neither may the key: a key with a 0x00
# byte would be cut short by coap-client, so the script pairs again (bounded) until the 16 fresh
# random bytes have none (probability about 6% each time). Bash variables cannot hold NUL either.
# coap-client-openssl then negotiates TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 (0xC037, the PSK suite
# the device offers outside RFOTM) and GETs / POSTs dev-b's /switch in RFNOP: refused before an
# ACE for the client (4.03), allowed after `obt acl allow CLIENT DEV /switch --perm RU`; a wrong
# key gets no session; after `obt unpair DEV --client CLIENT` the key opens nothing.
#
# Usage: test_external_client.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
export LC_ALL=C # the key is bytes: ${#var} and printf count bytes
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v coap-client-openssl >/dev/null 2>&1 || netns_skip "coap-client-openssl not found (Debian libcoap3-bin)"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_external_client.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_external_client.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
e2e_start_device dev-b dev --otm jw --sct 9

netns_exec obt "$obt" init --store "$store" --name "E2E external client" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"
netns_exec obt "$obt" ca init --store "$store" >"$NETNS_TMP/ca.out" 2>&1 || netns_die "obt ca init: $(cat "$NETNS_TMP/ca.out")"
netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 3000 >"$NETNS_TMP/onboard.out" 2>&1 ||
  netns_die "onboard: $(cat "$NETNS_TMP/onboard.out")"
b=$(netns_exec obt "$obt" devices --store "$store" --json |
  python3 -c 'import json,sys; print(" ".join(d["uuid"] for d in json.load(sys.stdin) if d["name"] == "dev-b" and d["state"] == "owned"))')
[[ -n $b ]] || netns_die "dev-b not owned: $(cat "$NETNS_TMP/onboard.out")"
pass "obt onboard claims dev-b ($b)"

# obtq ARGS...: obt with the store and network options, output appended to obt.out
obtq() { netns_exec obt "$obt" "$@" --store "$store" --interface eth0 --window 2000 -t 10 >>"$NETNS_TMP/obt.out" 2>&1; }
in_rfnop() { obtq state "$b" rfnop --yes || fail "obt state rfnop: $(tail -3 "$NETNS_TMP/obt.out")"; }
in_rfpro() { obtq state "$b" rfpro --yes || fail "obt state rfpro: $(tail -3 "$NETNS_TMP/obt.out")"; }

# --- 1. a pre-shared key for an external client -------------------------------------------------

client=4f434665-7874-6572-6e61-6c436c6e7431 # the bytes of "OCFexternalClnt1"
identity=OCFexternalClnt1

rc=0
netns_exec obt "$obt" pair --store "$store" --interface eth0 --window 2000 -t 10 "$b" --client "$client" \
  >"$NETNS_TMP/pair-nokey.out" 2>&1 || rc=$?
[[ $rc == 2 ]] && grep -q -- "--show-key" "$NETNS_TMP/pair-nokey.out" &&
  pass "obt pair --client without --show-key is refused (the key would be lost)" ||
  fail "pair --client without --show-key: exit $rc: $(cat "$NETNS_TMP/pair-nokey.out")"

# pair_client: pairs dev-b with the client, the key in $key (hex); again while it holds a 0x00
# byte (coap-client's -k is a C string), at most 8 times.
key=""
for attempt in 1 2 3 4 5 6 7 8; do
  rc=0
  (umask 077 && netns_exec obt "$obt" pair --store "$store" --interface eth0 --window 2000 -t 10 --show-key \
    "$b" --client "$client" >"$NETNS_TMP/pair.out" 2>"$NETNS_TMP/pair.err") || rc=$?
  key=$(tail -n 1 "$NETNS_TMP/pair.out")
  [[ $rc == 0 && $key =~ ^[0-9a-f]{32}$ ]] || break
  python3 -c 'import sys; sys.exit(0 if 0 not in bytes.fromhex(sys.argv[1]) else 1)' "$key" && break
  echo "attempt $attempt: the key holds a 0x00 byte, pairing again"
done
[[ $rc == 0 && $key =~ ^[0-9a-f]{32}$ ]] && pass "obt pair DEV --client CLIENT --show-key exits 0 with a 128-bit key" ||
  fail "pair --client: exit $rc: $(cat "$NETNS_TMP/pair.out" "$NETNS_TMP/pair.err")"
[[ $(grep -c "^paired" "$NETNS_TMP/pair.out") == 1 ]] && grep -q "for client $client" "$NETNS_TMP/pair.out" &&
  pass "obt pair reports the device paired with the client" || fail "pair output: $(cat "$NETNS_TMP/pair.out")"
# The raw key for -k: bytes, not characters (LC_ALL=C above); a wrong one differs in its last byte.
printf -v keyraw '%b' "$(sed 's/../\\x&/g' <<<"$key")"
wrong=$(python3 -c 'import sys; k = bytes.fromhex(sys.argv[1]); print((k[:-1] + bytes([k[-1] ^ 1 or 2])).hex())' "$key")
printf -v wrongraw '%b' "$(sed 's/../\\x&/g' <<<"$wrong")"
[[ ${#keyraw} == 16 ]] || fail "the key is ${#keyraw} bytes in bash, not 16"

netns_exec obt "$obt" creds --store "$store" --interface eth0 --window 2000 -t 10 --json "$b" >"$NETNS_TMP/creds.json" 2>&1 || true
python3 - "$NETNS_TMP/creds.json" "$client" <<'PY' && pass "obt creds: dev-b holds one psk for the client, marked client key" ||
import json, sys
d = json.loads(open(sys.argv[1]).readline())
c = [c for c in d["creds"] if c["credtype"] == 1 and c["subject"] == sys.argv[2]]
sys.exit(0 if len(c) == 1 and c[0]["note"] == "client key" else 1)
PY
  fail "obt creds: $(cat "$NETNS_TMP/creds.json")"
netns_exec obt "$obt" show --store "$store" --json "$b" >"$NETNS_TMP/show.json" 2>&1 || true
grep -q "pair-key-revealed" "$NETNS_TMP/show.json" && ! grep -q "$key" "$NETNS_TMP/show.json" &&
  pass "the audit log says the key was shown, never the key" || fail "audit: $(cat "$NETNS_TMP/show.json")"
! grep -rqa "$key" "$store" "$XDG_DATA_HOME" && pass "the store holds no copy of the key" || fail "the key is in the store"

# The suite: 0xC037 is the device's only PSK suite outside RFOTM (digest §4.1); OpenSSL names it.
if command -v openssl >/dev/null 2>&1; then
  printf '\x40\x01\x12\x34\xb6switch' | netns_exec obt timeout 20 openssl s_client -dtls1_2 \
    -connect "10.0.0.1:${E2E_COAPS4[dev-b]}" -psk_identity "$identity" -psk "$key" -cipher PSK \
    >"$NETNS_TMP/suite.out" 2>&1 || true
  grep -q "Cipher is ECDHE-PSK-AES128-CBC-SHA256" "$NETNS_TMP/suite.out" &&
    pass "with OpenSSL's PSK suites and the client's identity and key: TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256" ||
    fail "openssl s_client -psk: $(grep -a -i "cipher\|alert\|error" "$NETNS_TMP/suite.out" | head -3)"
fi

# coap NAME KEY METHOD [PAYLOAD_HEX]: coap-client-openssl as the client to dev-b's /switch over
# DTLS PSK; the answer's payload in NAME.cbor, its output in NAME.out (stdout + stderr); prints
# coap-client's exit status.
coap() {
  local name=$1 k=$2 method=$3 rc=0 extra=()
  rm -f "$NETNS_TMP/$name.cbor"
  if [[ -n ${4:-} ]]; then
    python3 -c 'import sys; open(sys.argv[1], "wb").write(bytes.fromhex(sys.argv[2]))' "$NETNS_TMP/$name.body" "$4"
    extra=(-f "$NETNS_TMP/$name.body" -t 10000)
  fi
  netns_exec obt timeout 30 coap-client-openssl -m "$method" -u "$identity" -k "$k" -B 10 -A 10000 "${extra[@]}" \
    -o "$NETNS_TMP/$name.cbor" "coaps://[fd00::1]:${E2E_COAPS6[dev-b]}/switch" >"$NETNS_TMP/$name.out" 2>&1 || rc=$?
  echo "$rc"
}
switch_value() { [[ -s $NETNS_TMP/$1.cbor ]] && python3 "$here/cbor_field.py" "$NETNS_TMP/$1.cbor" value || echo none; }

# In RFNOP (NCRs are served only there: digest 3.4 rule 2) and without an ACE: refused.
in_rfnop
coap get-denied "$keyraw" get >/dev/null
grep -q "4\.0[13]" "$NETNS_TMP/get-denied.out" && [[ $(switch_value get-denied) == none ]] &&
  pass "coap-client-openssl -u/-k: DTLS PSK session, GET /switch refused without an ACE ($(grep -o '4\.0[13][A-Za-z ]*' "$NETNS_TMP/get-denied.out" | head -1))" ||
  fail "GET before the ACE: $(cat "$NETNS_TMP/get-denied.out"); dev-b log: $(tail -5 "$NETNS_TMP/dev-b.log")"
in_rfpro
obtq acl allow "$client" "$b" /switch --perm RU || fail "obt acl allow: $(tail -5 "$NETNS_TMP/obt.out")"
in_rfnop
rc=$(coap get-ok "$keyraw" get)
[[ $rc == 0 && $(switch_value get-ok) == False ]] &&
  pass "after obt acl allow CLIENT DEV /switch --perm RU: GET /switch 2.05, value false" ||
  fail "GET after the ACE: exit $rc, value $(switch_value get-ok): $(cat "$NETNS_TMP/get-ok.out")"
rc=$(coap post-ok "$keyraw" post a16576616c7565f5) # {"value": true}
grep -q "4\.\|5\." "$NETNS_TMP/post-ok.out" && fail "POST /switch: $(cat "$NETNS_TMP/post-ok.out")" ||
  pass "POST /switch {value: true} accepted (exit $rc)"
rc=$(coap get-on "$keyraw" get)
[[ $(switch_value get-on) == True ]] && pass "GET /switch shows value true: the client's update took" ||
  fail "GET after POST: value $(switch_value get-on): $(cat "$NETNS_TMP/get-on.out")"
coap get-wrong "$wrongraw" get >/dev/null
[[ $(switch_value get-wrong) == none ]] && pass "a wrong key gets no session" ||
  fail "wrong key read the switch: $(cat "$NETNS_TMP/get-wrong.out")"

in_rfpro
rc=0
netns_exec obt "$obt" unpair --store "$store" --interface eth0 --window 2000 -t 10 "$b" --client "$client" \
  >"$NETNS_TMP/unpair.out" 2>&1 || rc=$?
[[ $rc == 0 ]] && grep -q "^unpaired.*1 credential for client $client removed" "$NETNS_TMP/unpair.out" &&
  pass "obt unpair DEV --client CLIENT removes the key" || fail "unpair: exit $rc: $(cat "$NETNS_TMP/unpair.out")"
in_rfnop
coap get-unpaired "$keyraw" get >/dev/null
[[ $(switch_value get-unpaired) == none ]] && pass "after unpair the old key gets no session (the ACE is still there)" ||
  fail "after unpair: $(cat "$NETNS_TMP/get-unpaired.out")"
in_rfpro

e2e_stop_device dev-b
e2e_finish
