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
# Certificate: the client makes its own P-256 key and CSR with openssl (CN=uuid:<client2>);
# `obt cert issue --csr` has the domain CA issue its identity certificate (a CSR naming a device
# is refused). dev-b, given its own certificate and our CA as trust anchor by `obt cert issue`,
# then serves openssl s_client -dtls1_2 (ECDHE-ECDSA, mutual authentication) as client2: GET and
# POST /switch refused before an ACE, allowed after `obt acl allow`, refused after `obt acl
# remove`, and (the ACE back) no session after `obt cert revoke` + `obt crl push`.
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
obtq() { netns_exec obt "$obt" "$@" --store "$store" --interface eth0 --window 1000 -t 10 >>"$NETNS_TMP/obt.out" 2>&1; }
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

# --- 2. an identity certificate for an external client ----------------------------------------
# The client makes its own key and CSR with openssl (the key never leaves it); obt's CA issues
# the certificate from the CSR. openssl s_client -dtls1_2 then speaks CoAP over the session: a
# CON request written to its stdin (it ends the session at EOF: no -quiet, which implies
# -ign_eof), the answer found in its stdout after the session report as the ACK with our message
# id (its second byte, 0xa0.., cannot occur in the report's text), the CoAP code at its byte 1.

if ! command -v openssl >/dev/null 2>&1; then
  echo "SKIP (part 2): openssl not found"
  e2e_stop_device dev-b
  e2e_finish
  exit
fi
client2=c11e0700-0000-4000-8000-00000000c002
obtq cert issue "$b" || fail "obt cert issue dev-b: $(tail -3 "$NETNS_TMP/obt.out")"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$NETNS_TMP/client.key" >/dev/null 2>&1
openssl req -new -key "$NETNS_TMP/client.key" -subj "/CN=uuid:$client2" -out "$NETNS_TMP/client.csr" >/dev/null 2>&1
rc=0
netns_exec obt "$obt" cert issue --csr "$NETNS_TMP/client.csr" --out "$NETNS_TMP/client.crt" --store "$store" \
  >"$NETNS_TMP/issue-csr.out" 2>&1 || rc=$?
[[ $rc == 0 ]] && openssl x509 -in "$NETNS_TMP/client.crt" -noout -subject | grep -q "uuid:$client2" &&
  pass "obt cert issue --csr: a certificate for CN=uuid:$client2 from the client's own CSR" ||
  fail "cert issue --csr: exit $rc: $(cat "$NETNS_TMP/issue-csr.out")"
netns_exec obt "$obt" ca show --pem --store "$store" >"$NETNS_TMP/ca.crt" 2>/dev/null || fail "obt ca show --pem"
openssl verify -CAfile "$NETNS_TMP/ca.crt" "$NETNS_TMP/client.crt" >/dev/null 2>&1 &&
  pass "openssl verifies it against the domain CA" || fail "openssl verify: $(openssl verify -CAfile "$NETNS_TMP/ca.crt" "$NETNS_TMP/client.crt" 2>&1)"
serial2=$(openssl x509 -in "$NETNS_TMP/client.crt" -noout -serial | cut -d= -f2)
netns_exec obt "$obt" cert list --json --store "$store" >"$NETNS_TMP/certs.json" 2>&1 || true
python3 - "$NETNS_TMP/certs.json" "$client2" "$serial2" <<'PY' && pass "obt cert list shows it (identity, valid)" ||
import json, sys
c = [c for c in json.load(open(sys.argv[1])) if c["uuid"] == sys.argv[2]]
sys.exit(0 if len(c) == 1 and c[0]["serial"].upper() == sys.argv[3].upper() and c[0]["status"] == "valid" else 1)
PY
  fail "cert list: $(cat "$NETNS_TMP/certs.json")"
rc=0
openssl req -new -key "$NETNS_TMP/client.key" -subj "/CN=uuid:$b" -out "$NETNS_TMP/dev.csr" >/dev/null 2>&1
netns_exec obt "$obt" cert issue --csr "$NETNS_TMP/dev.csr" --store "$store" >"$NETNS_TMP/issue-dev.out" 2>&1 || rc=$?
[[ $rc == 1 ]] && grep -q "device of the domain" "$NETNS_TMP/issue-dev.out" &&
  pass "a CSR naming a device of the domain is refused (exit 1)" || fail "CSR for dev-b: exit $rc: $(cat "$NETNS_TMP/issue-dev.out")"

# sclient NAME HEX: one CoAP request (hex) over DTLS with the client's certificate to dev-b;
# prints the answer's code as "c.dd", or "none" (no session or no answer).
sclient() {
  python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$2" >"$NETNS_TMP/$1.req"
  { cat "$NETNS_TMP/$1.req"; sleep 2; } |
    netns_exec obt timeout 20 openssl s_client -dtls1_2 -connect "10.0.0.1:${E2E_COAPS4[dev-b]}" \
      -cert "$NETNS_TMP/client.crt" -key "$NETNS_TMP/client.key" -CAfile "$NETNS_TMP/ca.crt" -verify_return_error \
      -cipher 'ECDHE-ECDSA-AES128-CCM8:ECDHE-ECDSA-AES128-CCM:ECDHE-ECDSA-AES128-SHA256' \
      >"$NETNS_TMP/$1.rsp" 2>"$NETNS_TMP/$1.err" || true
  python3 - "$NETNS_TMP/$1.rsp" "$2" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
mid = bytes.fromhex(sys.argv[2])[2:4]
i = d.find(b"\x60", 0)
while i >= 0 and d[i + 2:i + 4] != mid:
    i = d.find(b"\x60", i + 1)
print("none" if i < 0 else "%d.%02d" % (d[i + 1] >> 5, d[i + 1] & 31))
PY
}
# GET /switch (Accept 10000); POST /switch {"value": false} (Content-Format and Accept 10000)
get_hex=4001a001b6737769746368622710
post_hex=4002a002b6737769746368122710522710ffa16576616c7565f4
in_rfnop
code=$(sclient c-get0 "$get_hex")
[[ $code == 4.01 || $code == 4.03 ]] &&
  pass "openssl s_client with the client certificate: ECDHE-ECDSA session, GET /switch refused without an ACE ($code)" ||
  fail "GET before the ACE: $code: $(tail -3 "$NETNS_TMP/c-get0.err")"
code=$(sclient c-post0 "$post_hex")
[[ $code == 4.01 || $code == 4.03 ]] && pass "POST /switch refused without an ACE ($code)" ||
  fail "POST before the ACE: $code: $(tail -3 "$NETNS_TMP/c-post0.err")"

# allow_client2: the ACE (RFPRO, allow, RFNOP); its aceid in $ace2
allow_client2() {
  in_rfpro
  netns_exec obt "$obt" acl allow "$client2" "$b" /switch --perm RU --store "$store" --interface eth0 --window 2000 -t 10 \
    >"$NETNS_TMP/allow2.out" 2>&1 || fail "obt acl allow: $(cat "$NETNS_TMP/allow2.out")"
  ace2=$(grep -o "aceid [0-9]*" "$NETNS_TMP/allow2.out" | head -1 | cut -d' ' -f2)
  in_rfnop
}
allow_client2
code=$(sclient c-get1 "$get_hex")
[[ $code == 2.05 ]] && pass "after obt acl allow: GET /switch 2.05" || fail "GET after the ACE: $code: $(tail -3 "$NETNS_TMP/c-get1.err")"
code=$(sclient c-post1 "$post_hex")
[[ $code == 2.04 || $code == 2.01 ]] && pass "POST /switch {value: false} $code" || fail "POST after the ACE: $code"
sclient c-get2 "$get_hex" >/dev/null
grep -aq $'value\xf4' "$NETNS_TMP/c-get2.rsp" && pass "GET /switch shows value false: the update took" ||
  fail "GET after POST: $(od -c "$NETNS_TMP/c-get2.rsp" | head -3)"

in_rfpro
[[ -n $ace2 ]] && obtq acl remove "$b" "$ace2" || fail "obt acl remove '$ace2': $(tail -3 "$NETNS_TMP/obt.out")"
in_rfnop
code=$(sclient c-get3 "$get_hex")
[[ $code == 4.01 || $code == 4.03 ]] && pass "after obt acl remove: GET /switch refused again ($code)" ||
  fail "GET after remove: $code"

# Revocation: with the ACE back, the certificate works; revoked and the CRL pushed, no session.
allow_client2
code=$(sclient c-get4 "$get_hex")
[[ $code == 2.05 ]] && pass "the ACE added again: GET /switch 2.05" || fail "GET with the ACE again: $code"
netns_exec obt "$obt" cert revoke "$serial2" --yes --store "$store" >"$NETNS_TMP/revoke.out" 2>&1 ||
  fail "obt cert revoke: $(cat "$NETNS_TMP/revoke.out")"
netns_exec obt "$obt" crl push --all --store "$store" --interface eth0 --window 2000 >"$NETNS_TMP/crl.out" 2>&1 ||
  fail "obt crl push: $(cat "$NETNS_TMP/crl.out")"
code=$(sclient c-get5 "$get_hex")
[[ $code == none ]] && pass "after obt cert revoke + obt crl push: the client's certificate gets no session" ||
  fail "GET after revocation: $code"
in_rfpro

e2e_stop_device dev-b
e2e_finish
