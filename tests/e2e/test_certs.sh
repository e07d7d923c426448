#!/usr/bin/env bash
# Certificates end to end (issue 6 items 1-4, 7; ADR 0020): on host "dev" one ocf-device whose
# sct includes certificates (9) and one without (1); on host "obt": obt init, ca init, onboard,
# then `obt cert issue` for both. Checked: the certificate device gets an identity certificate
# from its CSR and the other is refused with the reason (sct); `obt cert list --json` shows it;
# `obt cert self` writes the tool's certificate and key (0600); openssl s_client -dtls1_2 with
# that certificate and our root as CAfile completes an ECDHE-ECDSA handshake with the device's
# coaps port, verifies the device's certificate (the one we issued: its serial, CN
# uuid:<di>) and reads doxm as the tool; a client certificate from another CA is refused. After
# `obt cert revoke` + `obt crl push --all`, GET /oic/sec/crl over the owner PSK shows the new
# crlid, and the revoked client certificate is refused by the device. `obt cert renew` gives a
# new serial. Usage: test_certs.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v coap-client-notls >/dev/null 2>&1 || netns_skip "coap-client-notls not found (Debian libcoap3-bin)"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
command -v openssl >/dev/null 2>&1 || netns_skip "openssl not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_certs.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_certs.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
tool=41414141-4141-4141-4141-414141414141
e2e_start_device dev-cert dev --otm jw --sct 9 --storage "$NETNS_TMP/dev-cert.state"
e2e_start_device dev-psk dev --otm jw --sct 1 --storage "$NETNS_TMP/dev-psk.state"

netns_exec obt "$obt" init --store "$store" --name "Cert lab" --otm-policy jw --uuid "$tool" >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"
netns_exec obt "$obt" ca init --store "$store" >"$NETNS_TMP/ca.out" 2>&1 || netns_die "obt ca init: $(cat "$NETNS_TMP/ca.out")"
netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 3000 >"$NETNS_TMP/onboard.out" 2>&1 ||
  netns_die "obt onboard failed: $(cat "$NETNS_TMP/onboard.out")"
netns_exec obt "$obt" devices --store "$store" --json >"$NETNS_TMP/devices.json"
uuid_of() { python3 -c 'import json,sys; print([d["uuid"] for d in json.load(open(sys.argv[1])) if d["name"]==sys.argv[2]][0])' "$NETNS_TMP/devices.json" "$1"; }
di_cert=$(uuid_of dev-cert)
di_psk=$(uuid_of dev-psk)
[[ -n $di_cert && -n $di_psk ]] && pass "both devices onboarded" || netns_die "no uuids: $(cat "$NETNS_TMP/onboard.out")"

cert() { netns_exec obt "$obt" cert "$@" --store "$store"; }
cert issue "$di_cert" --interface eth0 --window 3000 >"$NETNS_TMP/issue.out" 2>&1 && rc=0 || rc=$?
[[ $rc == 0 ]] && pass "obt cert issue: the certificate device (exit 0)" || fail "cert issue exited $rc: $(cat "$NETNS_TMP/issue.out")"
cert issue "$di_psk" --interface eth0 --window 3000 >"$NETNS_TMP/issue-psk.out" 2>&1 && rc=0 || rc=$?
[[ $rc == 1 ]] && grep -q "sct" "$NETNS_TMP/issue-psk.out" && pass "a device without certificates in sct is refused, saying why" ||
  fail "cert issue on the PSK-only device: exit $rc: $(cat "$NETNS_TMP/issue-psk.out")"

cert list --json >"$NETNS_TMP/list.json"
serial=$(python3 - "$NETNS_TMP/list.json" "$di_cert" <<'PY'
import json, sys
certs = [c for c in json.load(open(sys.argv[1])) if c["uuid"] == sys.argv[2] and c["kind"] == "identity"]
assert len(certs) == 1 and certs[0]["status"] == "valid" and certs[0]["days_left"] >= 364, certs
print(certs[0]["serial"])
PY
) && pass "obt cert list --json: one valid identity certificate for the device (serial $serial)" ||
  fail "cert list: $(cat "$NETNS_TMP/list.json")"

mkdir -p "$NETNS_TMP/self"
cert self --out "$NETNS_TMP/self" >"$NETNS_TMP/self.out" 2>&1 || fail "obt cert self: $(cat "$NETNS_TMP/self.out")"
[[ $(stat -c %a "$NETNS_TMP/self/tool.key") == 600 ]] && pass "tool.key is mode 0600" || fail "tool.key mode $(stat -c %a "$NETNS_TMP/self/tool.key")"
openssl x509 -in "$NETNS_TMP/self/tool.crt" -noout -subject | grep -q "uuid:$tool" &&
  pass "the tool's certificate names uuid:$tool" || fail "tool.crt subject: $(openssl x509 -in "$NETNS_TMP/self/tool.crt" -noout -subject)"
tool_serial=$(openssl x509 -in "$NETNS_TMP/self/tool.crt" -noout -serial | cut -d= -f2)

# s_client NAME CERT KEY: a CoAP GET /oic/sec/doxm over DTLS with a client certificate; output in
# $NETNS_TMP/NAME.out (stdout: session report and the CoAP answer), .err.
s_client() {
  { printf '\x40\x01\x12\x34\xb3oic\x03sec\x04doxm\x62\x27\x10'; sleep 3; } |
    netns_exec obt timeout 20 openssl s_client -dtls1_2 -connect "10.0.0.1:${E2E_COAPS4[dev-cert]}" \
      -cert "$2" -key "$3" -CAfile "$NETNS_TMP/self/ca.crt" -verify_return_error \
      -cipher 'ECDHE-ECDSA-AES128-CCM8:ECDHE-ECDSA-AES128-CCM:ECDHE-ECDSA-AES128-SHA256' \
      >"$NETNS_TMP/$1.out" 2>"$NETNS_TMP/$1.err" || true
}
s_client good "$NETNS_TMP/self/tool.crt" "$NETNS_TMP/self/tool.key"
if python3 - "$NETNS_TMP/good.out" <<'PY'; then
import sys
d = open(sys.argv[1], "rb").read()
ok = b"Verify return code: 0 (ok)" in d and b"ECDHE-ECDSA" in d and b"owned\xf5" in d
sys.exit(0 if ok else 1)
PY
  pass "openssl s_client: ECDHE-ECDSA handshake, device certificate verified, doxm read as the tool"
else
  fail "s_client with the tool's certificate: $(tail -5 "$NETNS_TMP/good.err") $(grep -a -E 'Verify|Cipher' "$NETNS_TMP/good.out" | head -3)"
fi
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$NETNS_TMP/good.out" >"$NETNS_TMP/device.crt"
dev_serial=$(openssl x509 -in "$NETNS_TMP/device.crt" -noout -serial 2>/dev/null | cut -d= -f2 || true)
dev_subject=$(openssl x509 -in "$NETNS_TMP/device.crt" -noout -subject 2>/dev/null || true)
[[ ${dev_serial^^} == "${serial^^}" && $dev_subject == *"uuid:$di_cert"* ]] &&
  pass "the device presents the certificate we issued (serial $dev_serial, CN uuid:$di_cert)" ||
  fail "device certificate serial '$dev_serial' subject '$dev_subject', expected $serial"

# A client certificate from another CA is refused.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=uuid:$tool" \
  -keyout "$NETNS_TMP/rogue.key" -out "$NETNS_TMP/rogue.crt" >/dev/null 2>&1
s_client rogue "$NETNS_TMP/rogue.crt" "$NETNS_TMP/rogue.key"
! grep -aq "owned" "$NETNS_TMP/rogue.out" && pass "a client certificate from another CA reads nothing" ||
  fail "a foreign client certificate read doxm"

# Revoke the tool's certificate and push the CRL.
cert revoke "$tool_serial" --yes >"$NETNS_TMP/revoke.out" 2>&1 && pass "obt cert revoke $tool_serial" ||
  fail "cert revoke: $(cat "$NETNS_TMP/revoke.out")"
netns_exec obt "$obt" crl push --all --store "$store" --interface eth0 --window 3000 >"$NETNS_TMP/crl.out" 2>&1 && rc=0 || rc=$?
# the PSK-only device has /oic/sec/crl too: both take it
[[ $rc == 0 ]] && pass "obt crl push --all (exit 0)" || fail "crl push exited $rc: $(cat "$NETNS_TMP/crl.out")"
netns_exec obt "$obt" show "$di_cert" --store "$store" --owner-key >"$NETNS_TMP/owner.psk" 2>/dev/null || true
key=$(cat "$NETNS_TMP/owner.psk")
{ printf '\x40\x01\x12\x36\xb3oic\x03sec\x03crl\x62\x27\x10'; sleep 3; } |
  netns_exec obt timeout 20 openssl s_client -dtls1_2 -quiet -connect "10.0.0.1:${E2E_COAPS4[dev-cert]}" \
    -psk_identity AAAAAAAAAAAAAAAA -psk "$key" -cipher ECDHE-PSK-AES128-CBC-SHA256 \
    >"$NETNS_TMP/crl.sclient" 2>/dev/null || true
grep -aq $'crlid\x02' "$NETNS_TMP/crl.sclient" && grep -aq "crldata" "$NETNS_TMP/crl.sclient" &&
  pass "GET /oic/sec/crl over the owner session shows crlid 2 and the CRL" ||
  fail "GET crl: $(od -c "$NETNS_TMP/crl.sclient" | head -5)"
s_client revoked "$NETNS_TMP/self/tool.crt" "$NETNS_TMP/self/tool.key"
! grep -aq "owned" "$NETNS_TMP/revoked.out" && pass "the revoked client certificate is refused by the device" ||
  fail "the revoked certificate still reads doxm"

cert renew "$di_cert" --interface eth0 --window 3000 >"$NETNS_TMP/renew.out" 2>&1 && rc=0 || rc=$?
cert list "$di_cert" --json >"$NETNS_TMP/list2.json"
[[ $rc == 0 ]] && python3 - "$NETNS_TMP/list2.json" <<'PY' && pass "obt cert renew: a second identity certificate" || fail "renew exit $rc: $(cat "$NETNS_TMP/renew.out")"
import json, sys
certs = json.load(open(sys.argv[1]))
sys.exit(0 if len(certs) == 2 and len({c["serial"] for c in certs}) == 2 else 1)
PY

e2e_stop_device dev-cert
e2e_stop_device dev-psk
e2e_finish
