#!/usr/bin/env bash
# Device to device with identity certificates (issue 6's "done when", certificate case; digest
# 6.1-6.3, 8.2): on host "dev" two ocf-device processes with certificates in sct (9) and their
# own storage; on host "obt": obt init, ca init, onboard --all, `obt cert issue` for both (each
# device's key stays inside it: the certificate comes from its CSR, with our root as trust
# anchor). Device A's OWN client (ocf-device --request --cred cert: dev-a's identity certificate
# and key from its storage, its DTLS client) then talks to dev-b in RFNOP:
#   - GET and POST /switch refused (4.01) before any ACE; with an R ACE for dev-a's uuid GET is
#     served (auth cert) and POST refused; with RU the switch is set and read back; refused again
#     after obt acl remove;
#   - a --peer that is not the uuid in dev-b's certificate: dev-a closes the session (no session);
#   - obt cert revoke of dev-a's certificate + obt crl push to dev-b: dev-b refuses the session.
# Usage: test_cert_client.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_cert_client.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_cert_client.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
e2e_start_device dev-a dev --otm jw --sct 9 --storage "$NETNS_TMP/dev-a.state" --log-level info
e2e_start_device dev-b dev --otm jw --sct 9 --storage "$NETNS_TMP/dev-b.state" --log-level info

obtq() { netns_exec obt "$obt" "$@" --store "$store" --interface eth0 --window 2000 -t 10 >>"$NETNS_TMP/obt.out" 2>&1; }
netns_exec obt "$obt" init --store "$store" --name "Cert clients" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"
netns_exec obt "$obt" ca init --store "$store" >"$NETNS_TMP/ca.out" 2>&1 || netns_die "obt ca init: $(cat "$NETNS_TMP/ca.out")"
netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 3000 >"$NETNS_TMP/onboard.out" 2>&1 ||
  netns_die "obt onboard failed: $(cat "$NETNS_TMP/onboard.out")"
netns_exec obt "$obt" devices --store "$store" --json >"$NETNS_TMP/devices.json"
uuid_of() { python3 -c 'import json,sys; print([d["uuid"] for d in json.load(open(sys.argv[1])) if d["name"]==sys.argv[2]][0])' "$NETNS_TMP/devices.json" "$1"; }
a=$(uuid_of dev-a)
b=$(uuid_of dev-b)
[[ -n $a && -n $b ]] && pass "obt onboard --all claims both devices" || netns_die "no uuids: $(cat "$NETNS_TMP/onboard.out")"
obtq cert issue "$a" && obtq cert issue "$b" && pass "obt cert issue: identity certificates for both (from their CSRs)" ||
  netns_die "cert issue: $(tail -5 "$NETNS_TMP/obt.out")"
netns_exec obt "$obt" cert list "$a" --json --store "$store" >"$NETNS_TMP/list.json" 2>&1
serial_a=$(python3 -c '
import json, sys
print([c["serial"] for c in json.load(open(sys.argv[1])) if c["kind"] == "identity" and c["status"] == "valid"][0])' \
  "$NETNS_TMP/list.json") || netns_die "no certificate for dev-a: $(cat "$NETNS_TMP/list.json")"

# dev-a's server stops for good: its own client uses its storage (one process per storage).
e2e_stop_device dev-a
devreq() { # ACTION [PEER]: dev-a's own request to dev-b's /switch with its certificate; prints the exit status
  local rc=0
  netns_exec dev "$device" --storage "$NETNS_TMP/dev-a.state" --request "$1" --cred cert \
    --to "coaps://[fd00::1]:${E2E_COAPS6[dev-b]}" --peer "${2:-$b}" >"$NETNS_TMP/devreq.last" 2>&1 || rc=$?
  cat "$NETNS_TMP/devreq.last" >>"$NETNS_TMP/devreq.out"
  echo "$rc"
}
devreq_line() { tail -n 1 "$NETNS_TMP/devreq.last"; }
acl_on_b() { # obt ARGS... on dev-b with the RFNOP bracket (ACL and CRL changes need RFPRO)
  obtq state "$b" rfpro --yes && obtq "$@" && obtq state "$b" rfnop --yes
}
obtq state "$b" rfnop --yes || fail "obt state rfnop: $(tail -3 "$NETNS_TMP/obt.out")"

[[ $(devreq get) == 3 ]] && devreq_line | grep -q "^code 4.01 auth cert" &&
  pass "dev-a's own client (its certificate): GET dev-b's /switch refused (4.01) without an ACE" ||
  fail "GET before the ACE: $(cat "$NETNS_TMP/devreq.last")"
[[ $(devreq on) == 3 ]] && devreq_line | grep -q "^code 4.01" &&
  pass "dev-a's own client: POST /switch refused (4.01) without an ACE" || fail "POST before: $(cat "$NETNS_TMP/devreq.last")"
acl_on_b acl allow "$a" "$b" /switch --perm R || fail "acl allow R: $(tail -5 "$NETNS_TMP/obt.out")"
r_ace=$(grep -o "aceid [0-9]*" "$NETNS_TMP/obt.out" | tail -n 1 | cut -d' ' -f2)
[[ $(devreq get) == 0 ]] && devreq_line | grep -q "^code 2.05 auth cert value false" &&
  pass "after an R ACE for dev-a's uuid: dev-a reads dev-b's switch over the certificate session" ||
  fail "GET after R: $(cat "$NETNS_TMP/devreq.last")"
[[ $(devreq on) == 3 ]] && devreq_line | grep -q "^code 4.01" &&
  pass "after an R ACE: POST still refused (no U)" || fail "POST after R: $(cat "$NETNS_TMP/devreq.last")"
acl_on_b acl allow "$a" "$b" /switch --perm RU || fail "acl allow RU: $(tail -5 "$NETNS_TMP/obt.out")"
ru_ace=$(grep -o "aceid [0-9]*" "$NETNS_TMP/obt.out" | tail -n 1 | cut -d' ' -f2)
[[ $(devreq on) == 0 ]] && devreq_line | grep -q "^code 2.04 auth cert" &&
  pass "after an RU ACE: dev-a switches dev-b on (2.04)" || fail "POST after RU: $(cat "$NETNS_TMP/devreq.last")"
[[ $(devreq get) == 0 ]] && devreq_line | grep -q "value true" && pass "and reads it back: value true" ||
  fail "GET after on: $(cat "$NETNS_TMP/devreq.last")"
other=$(python3 -c 'import uuid; print(uuid.uuid4())')
[[ $(devreq get "$other") == 4 ]] && devreq_line | grep -q "^no session" &&
  pass "--peer naming another device: dev-a refuses dev-b's certificate (no session)" ||
  fail "wrong peer: $(cat "$NETNS_TMP/devreq.last")"
acl_on_b acl remove "$b" "$ru_ace" && acl_on_b acl remove "$b" "$r_ace" ||
  fail "acl remove $ru_ace $r_ace: $(tail -5 "$NETNS_TMP/obt.out")"
[[ $(devreq get) == 3 ]] && devreq_line | grep -q "^code 4.01" &&
  pass "after obt acl remove: refused again (4.01)" || fail "GET after remove: $(cat "$NETNS_TMP/devreq.last")"

# Revocation: dev-a's certificate in the CRL dev-b holds; dev-b refuses the handshake.
acl_on_b acl allow "$a" "$b" /switch --perm R || fail "acl allow R again: $(tail -5 "$NETNS_TMP/obt.out")"
[[ $(devreq get) == 0 ]] || fail "GET before the revocation: $(cat "$NETNS_TMP/devreq.last")"
netns_exec obt "$obt" cert revoke "$serial_a" --yes --store "$store" >>"$NETNS_TMP/obt.out" 2>&1 ||
  fail "cert revoke: $(tail -3 "$NETNS_TMP/obt.out")"
obtq crl push "$b" && pass "obt cert revoke of dev-a's certificate, obt crl push to dev-b" ||
  fail "crl push: $(tail -5 "$NETNS_TMP/obt.out")"
[[ $(devreq get) == 4 ]] && devreq_line | grep -q "^no session" &&
  pass "after the revocation: dev-b refuses dev-a's certificate (no session), although the ACE stays" ||
  fail "GET after the revocation: $(cat "$NETNS_TMP/devreq.last")"
grep -q "revoked\|refused" "$NETNS_TMP/dev-b.log" && pass "dev-b's log says it refused the certificate" ||
  fail "dev-b log: $(tail -5 "$NETNS_TMP/dev-b.log")"

e2e_stop_device dev-b
e2e_finish
