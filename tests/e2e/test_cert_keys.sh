#!/usr/bin/env bash
# Key pairs made by the tool (issue 6 item 2; ADR 0020; digest §6.2 item 2): on host "dev" an
# `ocf-device --sct 9 --no-csr` (no /oic/sec/csr); on host "obt": obt init, ca init, onboard,
# `obt cert issue`. Checked: the job says the tool made the key pair (output and audit log), the
# device refuses nothing and presents the certificate we issued: openssl s_client -dtls1_2 with
# the tool's own certificate (obt cert self) completes an ECDHE-ECDSA handshake (the device signs
# with the key the tool sent), the leaf has CN uuid:<di>, our serial, and verifies against our
# CA. Then `obt cert renew`:
# a new key and certificate, the old certificate revoked in the records (the output says so and
# names obt crl push), `obt crl push --all`, and the CRL the device then holds lists the old
# serial; the device presents the new certificate. `renew --keep-old` revokes nothing.
# Usage: test_cert_keys.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
command -v openssl >/dev/null 2>&1 || netns_skip "openssl not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_cert_keys.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_cert_keys.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
tool=42424242-4242-4242-4242-424242424242
e2e_start_device nocsr dev --otm jw --sct 9 --no-csr --storage "$NETNS_TMP/nocsr.state"

netns_exec obt "$obt" init --store "$store" --name "Key lab" --otm-policy jw --uuid "$tool" >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"
netns_exec obt "$obt" ca init --store "$store" >"$NETNS_TMP/ca.out" 2>&1 || netns_die "obt ca init: $(cat "$NETNS_TMP/ca.out")"
netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 3000 >"$NETNS_TMP/onboard.out" 2>&1 ||
  netns_die "obt onboard failed: $(cat "$NETNS_TMP/onboard.out")"
netns_exec obt "$obt" devices --store "$store" --json >"$NETNS_TMP/devices.json"
di=$(python3 -c 'import json,sys; print([d["uuid"] for d in json.load(open(sys.argv[1])) if d["name"]=="nocsr"][0])' \
  "$NETNS_TMP/devices.json")
[[ -n $di ]] && pass "the device without /oic/sec/csr is onboarded ($di)" || netns_die "no uuid: $(cat "$NETNS_TMP/onboard.out")"

cert() { netns_exec obt "$obt" cert "$@" --store "$store"; }
# serial_of STATUS: the device's identity certificate serials with that status, one a line
serials_of() {
  cert list "$di" --json >"$NETNS_TMP/list.json"
  python3 - "$NETNS_TMP/list.json" "$1" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1])):
    if c["kind"] == "identity" and c["status"] == sys.argv[2]:
        print(c["serial"])
PY
}

cert issue "$di" --interface eth0 --window 3000 >"$NETNS_TMP/issue.out" 2>&1 && rc=0 || rc=$?
[[ $rc == 0 ]] && grep -q "key pair made by the tool" "$NETNS_TMP/issue.out" &&
  pass "obt cert issue: done, the tool made the key pair (exit 0)" || fail "cert issue exited $rc: $(cat "$NETNS_TMP/issue.out")"
serial1=$(serials_of valid)
[[ $serial1 =~ ^[0-9A-F]{40}$ ]] && pass "one valid identity certificate recorded ($serial1)" || fail "cert list: $(cat "$NETNS_TMP/list.json")"
netns_exec obt "$obt" show "$di" --store "$store" >"$NETNS_TMP/show.out" 2>&1 || true
grep -q "cert key" "$NETNS_TMP/show.out" && grep -q "key pair made by the tool" "$NETNS_TMP/show.out" &&
  ! grep -q "PRIVATE KEY" "$NETNS_TMP/show.out" && pass "the audit log says the tool made the key, and holds no key" ||
  fail "audit: $(cat "$NETNS_TMP/show.out")"

mkdir -p "$NETNS_TMP/self"
cert self --out "$NETNS_TMP/self" >"$NETNS_TMP/self.out" 2>&1 || fail "obt cert self: $(cat "$NETNS_TMP/self.out")"

# s_client NAME: a CoAP GET /oic/sec/doxm over DTLS with the tool's certificate; the device's
# chain in NAME.chain, its leaf in NAME.crt.
s_client() {
  { printf '\x40\x01\x12\x34\xb3oic\x03sec\x04doxm\x62\x27\x10'; sleep 3; } |
    netns_exec obt timeout 20 openssl s_client -dtls1_2 -connect "10.0.0.1:${E2E_COAPS4[nocsr]}" -showcerts \
      -cert "$NETNS_TMP/self/tool.crt" -key "$NETNS_TMP/self/tool.key" -CAfile "$NETNS_TMP/self/ca.crt" \
      -verify_return_error -cipher 'ECDHE-ECDSA-AES128-CCM8:ECDHE-ECDSA-AES128-CCM:ECDHE-ECDSA-AES128-SHA256' \
      >"$NETNS_TMP/$1.out" 2>"$NETNS_TMP/$1.err" || true
  sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$NETNS_TMP/$1.out" >"$NETNS_TMP/$1.chain"
  openssl x509 -in "$NETNS_TMP/$1.chain" -out "$NETNS_TMP/$1.crt" 2>/dev/null || true
}
# check_leaf NAME SERIAL: handshake verified, doxm read, leaf = SERIAL for uuid:<di> from our CA
check_leaf() {
  local subject serial
  subject=$(openssl x509 -in "$NETNS_TMP/$1.crt" -noout -subject 2>/dev/null || true)
  serial=$(openssl x509 -in "$NETNS_TMP/$1.crt" -noout -serial 2>/dev/null | cut -d= -f2 || true)
  grep -aq "Verify return code: 0 (ok)" "$NETNS_TMP/$1.out" && grep -aq $'owned\xf5' "$NETNS_TMP/$1.out" &&
    [[ $subject == *"uuid:$di"* && ${serial^^} == "${2^^}" ]] &&
    openssl verify -CAfile "$NETNS_TMP/self/ca.crt" "$NETNS_TMP/$1.crt" >/dev/null 2>&1
}
s_client first
check_leaf first "$serial1" &&
  pass "s_client: ECDHE-ECDSA with the device's key from the tool; leaf uuid:$di, serial $serial1, our CA" ||
  fail "s_client: $(tail -3 "$NETNS_TMP/first.err") $(grep -a -E 'Verify|subject|Cipher' "$NETNS_TMP/first.out" | head -4)"

# crl_owner OUT: GET /oic/sec/crl over the owner PSK session (as test_certs.sh); its CBOR payload
# into OUT. (GET /oic/sec/cred hiding privatedata is test_device_dtls's: its answer needs Block2.)
crl_owner() {
  local key
  key=$(netns_exec obt "$obt" show "$di" --store "$store" --owner-key 2>/dev/null)
  { printf '\x40\x01\x12\x37\xb3oic\x03sec\x03crl\x62\x27\x10'; sleep 3; } |
    netns_exec obt timeout 20 openssl s_client -dtls1_2 -quiet -connect "10.0.0.1:${E2E_COAPS4[nocsr]}" \
      -psk_identity BBBBBBBBBBBBBBBB -psk "$key" -cipher ECDHE-PSK-AES128-CBC-SHA256 >"$NETNS_TMP/raw.coap" 2>/dev/null || true
  python3 - "$NETNS_TMP/raw.coap" "$1" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
i = d.index(b"\xff", 4 + (d[0] & 0x0F))
open(sys.argv[2], "wb").write(d[i + 1:])
PY
}

# renew: a new key pair and certificate, the old one revoked in the records.
cert renew "$di" --interface eth0 --window 3000 >"$NETNS_TMP/renew.out" 2>&1 && rc=0 || rc=$?
[[ $rc == 0 ]] && grep -q "old $serial1 revoked" "$NETNS_TMP/renew.out" && grep -q "obt crl push" "$NETNS_TMP/renew.out" &&
  pass "obt cert renew: old certificate $serial1 revoked, the output names obt crl push" ||
  fail "renew exit $rc: $(cat "$NETNS_TMP/renew.out")"
[[ $(serials_of revoked) == "$serial1" ]] && pass "obt cert list: $serial1 revoked" || fail "list: $(cat "$NETNS_TMP/list.json")"
serial2=$(serials_of valid)
[[ $serial2 =~ ^[0-9A-F]{40}$ && $serial2 != "$serial1" ]] && pass "a new certificate $serial2" || fail "list: $(cat "$NETNS_TMP/list.json")"
s_client second
check_leaf second "$serial2" && pass "the device presents the renewed certificate ($serial2)" ||
  fail "after renew: $(grep -a -E 'Verify|subject|serial' "$NETNS_TMP/second.out" | head -4)"
[[ $(openssl x509 -in "$NETNS_TMP/first.crt" -noout -pubkey) != $(openssl x509 -in "$NETNS_TMP/second.crt" -noout -pubkey) ]] &&
  pass "the renewed certificate has a new key pair" || fail "renew kept the device's key"

netns_exec obt "$obt" crl push --all --store "$store" --interface eth0 --window 3000 >"$NETNS_TMP/crl.out" 2>&1 && rc=0 || rc=$?
[[ $rc == 0 ]] && pass "obt crl push --all (exit 0)" || fail "crl push exited $rc: $(cat "$NETNS_TMP/crl.out")"
crl_owner "$NETNS_TMP/crl.cbor" || true
python3 - "$NETNS_TMP/crl.cbor" "$here" "$NETNS_TMP/crl.der" <<'PY' || true
import base64, sys
sys.path.insert(0, sys.argv[2])
from cbor_field import decode
crl = decode(open(sys.argv[1], "rb").read())
open(sys.argv[3], "wb").write(base64.b64decode(crl["crldata"]))
PY
openssl crl -inform DER -in "$NETNS_TMP/crl.der" -noout -text >"$NETNS_TMP/crl.txt" 2>&1 || true
grep -qi "Serial Number: $serial1" "$NETNS_TMP/crl.txt" && ! grep -qi "Serial Number: $serial2" "$NETNS_TMP/crl.txt" &&
  openssl crl -inform DER -in "$NETNS_TMP/crl.der" -CAfile "$NETNS_TMP/self/ca.crt" -noout >/dev/null 2>&1 &&
  pass "the device's CRL (signed by our CA) lists the old serial, not the new one" ||
  fail "CRL on the device: $(head -20 "$NETNS_TMP/crl.txt")"

# renew --keep-old: nothing more revoked.
cert renew "$di" --keep-old --interface eth0 --window 3000 >"$NETNS_TMP/renew2.out" 2>&1 && rc=0 || rc=$?
[[ $rc == 0 ]] && ! grep -q "revoked" "$NETNS_TMP/renew2.out" && [[ $(serials_of revoked) == "$serial1" ]] &&
  pass "obt cert renew --keep-old leaves $serial2 valid" || fail "renew --keep-old exit $rc: $(cat "$NETNS_TMP/renew2.out")"

e2e_stop_device nocsr
e2e_finish
