#!/usr/bin/env bash
# End-to-end access management and RFNOP (issue 6 items 8, 9): on host "dev" (network
# namespaces, real UDP and DTLS) an ocf-device is onboarded by `obt onboard`; `obt acl add` gives
# conntype anon-clear R on /switch — in an ACE that also names /oic/sec/cred — and a second
# anon-clear ACE names only /oic/sec/doxm; `obt state rfnop` shows that the precheck (OBT 5.2)
# will trim the first and delete the second, refuses without --yes when it cannot ask, then
# does it; in RFNOP a plain coap:// GET /switch is answered 2.05 while a POST is refused 4.01, and
# an unauthenticated GET /oic/sec/cred is refused; ACL changes are refused in RFNOP; back in RFPRO
# `obt acl remove` deletes the ACE and, in RFNOP again, the GET is refused; an ACE whose validity
# period lies in the past grants nothing and one covering today does (the device's wall clock).
# A second device is
# onboarded with `obt onboard --to rfnop` (the default policy: discovery still answered in the
# clear), `obt acl add --res rt:...` resolves the resource type from its /oic/res, and `obt acl
# allow` lets dev-a use its /switch.
# Usage: test_acl.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v coap-client-notls >/dev/null 2>&1 || netns_skip "coap-client-notls not found (Debian libcoap3-bin)"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_acl.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_acl.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
e2e_start_device dev-a dev --otm jw

store_uuid() { # NAME: the uuid the store holds for that device, owned
  netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(d["uuid"] for d in json.load(sys.stdin) if d["name"] == sys.argv[1] and d["state"] == "owned"))' "$1"
}
o() { # obt COMMAND ARGS... with the store, on eth0; output in $NETNS_TMP/out, exit status in $rc
  rc=0
  netns_exec obt "$obt" "$1" --store "$store" "${@:2}" --interface eth0 --window 200 -t 10 >"$NETNS_TMP/out" 2>&1 ||
    rc=$?
}
# plain NAME METHOD PATH [BODY-HEX]: a coap:// request from host obt; prints the response code
# (2.05, 4.01, ...) or "no-answer"
plain() {
  local port=${E2E_COAP6[$1]} args=(-B 5 -m "$2")
  [[ -n ${4:-} ]] && args+=(-t 10000 -e "$(printf '%b' "$4")")
  netns_exec obt coap-client-notls -v 7 "${args[@]}" "coap://[fd00::1]:$port$3" 2>&1 |
    python3 -c '
import re, sys
codes = re.findall(r"\b([245]\.\d\d)\b", sys.stdin.buffer.read().decode("latin-1"))
print(codes[-1] if codes else "no-answer")'
}
in_state() { # NAME STATE: the device logged that state last
  [[ $(grep -o "state [A-Z]*" "$NETNS_TMP/$1.log" | tail -1) == "state $2" ]]
}

netns_exec obt "$obt" init --store "$store" --name "ACL lab" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"
netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 3000 >"$NETNS_TMP/onboard.out" 2>&1 ||
  netns_die "onboarding: $(cat "$NETNS_TMP/onboard.out")"
a=$(store_uuid dev-a)
[[ -n $a ]] || netns_die "dev-a not owned: $(cat "$NETNS_TMP/onboard.out")"
in_state dev-a RFPRO && pass "dev-a onboarded (RFPRO)" || fail "dev-a state: $(tail -3 "$NETNS_TMP/dev-a.log")"
[[ $(plain dev-a get /switch) == 4.01 ]] && pass "RFPRO: a plain GET /switch is refused 4.01 (no NCR before RFNOP)" ||
  fail "RFPRO GET /switch: $(plain dev-a get /switch)"

# --- ACEs -----------------------------------------------------------------------------------
o acl add "$a" --subject conntype:anon-clear --res /switch,/oic/sec/cred --perm R
[[ $rc == 0 ]] && grep -q "aceid [0-9]" "$NETNS_TMP/out" && pass "obt acl add prints the aceid the device gave" ||
  fail "acl add ($rc): $(cat "$NETNS_TMP/out")"
switch_ace=$(grep -o "aceid [0-9]*" "$NETNS_TMP/out" | head -1 | cut -d' ' -f2)
o acl add "$a" --subject anon-clear --res href:/oic/sec/doxm --perm -R---
doxm_ace=$(grep -o "aceid [0-9]*" "$NETNS_TMP/out" | head -1 | cut -d' ' -f2)
[[ $rc == 0 && -n $doxm_ace ]] && pass "a second anon-clear ACE naming only an SVR" || fail "acl add: $(cat "$NETNS_TMP/out")"
o acl add "$a" --subject conntype:anon-clear --res /switch,/oic/sec/cred --perm R
grep -q "aceid $switch_ace (the device already held it)" "$NETNS_TMP/out" &&
  pass "adding an equal ACE adds nothing: the aceid it has is printed" || fail "re-add: $(cat "$NETNS_TMP/out")"
o acl add "$a" --subject conntype:anon --res /switch --perm R
[[ $rc == 2 ]] && pass "a bad subject is a usage error (exit 2)" || fail "bad subject: exit $rc"

o acl list "$a" --json
cp "$NETNS_TMP/out" "$NETNS_TMP/list1.json"
python3 - "$NETNS_TMP/list1.json" "$switch_ace" "$doxm_ace" <<'PY' && pass "obt acl list --json shows both ACEs as written" || fail "acl list: $(cat "$NETNS_TMP/list1.json")"
import json, sys
aces = {a["aceid"]: a for a in map(json.loads, open(sys.argv[1])) }
s, d = aces[int(sys.argv[2])], aces[int(sys.argv[3])]
assert s["subject"] == "conntype:anon-clear" and s["resources"] == ["/switch", "/oic/sec/cred"] and s["perm"] == "-R---", s
assert d["resources"] == ["/oic/sec/doxm"] and d["permission"] == 2, d
PY

# --- RFNOP with the precheck (OBT 5.2) --------------------------------------------------------
o state "$a" rfnop </dev/null
[[ $rc == 2 ]] && grep -q "give --yes" "$NETNS_TMP/out" && pass "obt state rfnop without a terminal asks for --yes (exit 2)" ||
  fail "state without --yes ($rc): $(cat "$NETNS_TMP/out")"
grep -q "ACE $switch_ace: remove /oic/sec/cred; the ACE keeps its other resources" "$NETNS_TMP/out" &&
  grep -q "ACE $doxm_ace: remove /oic/sec/doxm; the ACE is deleted" "$NETNS_TMP/out" &&
  pass "it shows what will be removed first" || fail "plan: $(cat "$NETNS_TMP/out")"
in_state dev-a RFPRO && pass "nothing done without approval" || fail "dev-a moved"
o state "$a" rfnop --yes
[[ $rc == 0 ]] && grep -q "now RFNOP; 2 SVR entries removed" "$NETNS_TMP/out" && pass "obt state rfnop --yes: trimmed, now RFNOP" ||
  fail "state rfnop ($rc): $(cat "$NETNS_TMP/out")"
in_state dev-a RFNOP && pass "dev-a logs RFNOP" || fail "dev-a state: $(tail -3 "$NETNS_TMP/dev-a.log")"
o acl list "$a" --json
cp "$NETNS_TMP/out" "$NETNS_TMP/list2.json"
python3 - "$NETNS_TMP/list2.json" "$switch_ace" "$doxm_ace" <<'PY' && pass "the ACE keeps /switch only (same aceid), the SVR-only ACE is gone" || fail "after rfnop: $(cat "$NETNS_TMP/list2.json")"
import json, sys
aces = {a["aceid"]: a for a in map(json.loads, open(sys.argv[1])) }
assert aces[int(sys.argv[2])]["resources"] == ["/switch"], aces
assert int(sys.argv[3]) not in aces, aces
PY

[[ $(plain dev-a get /switch) == 2.05 ]] && pass "RFNOP: a plain coap:// GET /switch is answered 2.05 (anon-clear R)" ||
  fail "GET /switch: $(plain dev-a get /switch); log: $(tail -5 "$NETNS_TMP/dev-a.log")"
[[ $(plain dev-a post /switch '\xa1\x65value\xf5') == 4.01 ]] && pass "RFNOP: a plain POST /switch is refused 4.01 (R only)" ||
  fail "POST /switch: $(plain dev-a post /switch '\xa1\x65value\xf5')"
[[ $(plain dev-a get /oic/sec/cred) == 4.01 ]] && pass "RFNOP: an unauthenticated GET /oic/sec/cred is refused 4.01" ||
  fail "GET cred: $(plain dev-a get /oic/sec/cred)"

o acl remove "$a" "$switch_ace"
[[ $rc == 1 ]] && grep -qi "rfpro" "$NETNS_TMP/out" && pass "RFNOP: obt acl remove is refused, and says to go to RFPRO" ||
  fail "remove in RFNOP ($rc): $(cat "$NETNS_TMP/out")"

# --- back to RFPRO, remove, RFNOP ------------------------------------------------------------
o state "$a" rfpro
[[ $rc == 0 ]] && in_state dev-a RFPRO && pass "obt state rfpro: back to RFPRO" || fail "rfpro ($rc): $(cat "$NETNS_TMP/out")"
o acl remove "$a" "$switch_ace"
[[ $rc == 0 ]] && pass "obt acl remove in RFPRO" || fail "remove ($rc): $(cat "$NETNS_TMP/out")"
o acl remove "$a" "$switch_ace"
[[ $rc == 1 ]] && grep -q "404\|4.04\|no such" "$NETNS_TMP/out" && pass "removing it again: the device has no such ACE" ||
  fail "remove again ($rc): $(cat "$NETNS_TMP/out")"
o state "$a" rfnop --yes
[[ $rc == 0 ]] && grep -q "now RFNOP; 0 SVR entries" "$NETNS_TMP/out" && pass "RFNOP again: nothing left to trim" ||
  fail "rfnop again ($rc): $(cat "$NETNS_TMP/out")"
[[ $(plain dev-a get /switch) == 4.01 ]] && pass "RFNOP without the ACE: a plain GET /switch is refused 4.01" ||
  fail "GET /switch after remove: $(plain dev-a get /switch)"

# --- validity periods: the device judges them by its wall clock (SEC:acl2 validity) -----------
o state "$a" rfpro
o acl add "$a" --subject conntype:anon-clear --res /switch --perm R --validity 20200101T000000Z/20210101T000000Z
old_ace=$(grep -o "aceid [0-9]*" "$NETNS_TMP/out" | head -1 | cut -d' ' -f2)
o state "$a" rfnop --yes
[[ -n $old_ace && $(plain dev-a get /switch) == 4.01 ]] && pass "an ACE valid only in 2020 grants nothing today (4.01)" ||
  fail "expired ACE ($old_ace): $(plain dev-a get /switch)"
o state "$a" rfpro
o acl replace "$a" "$old_ace" --subject conntype:anon-clear --res /switch --perm R \
  --validity "$(date -u -d yesterday +%Y%m%dT000000Z)/P3D"
o state "$a" rfnop --yes
[[ $(plain dev-a get /switch) == 2.05 ]] && pass "the same ACE valid from yesterday for 3 days grants R (2.05)" ||
  fail "current ACE: $(plain dev-a get /switch) $(cat "$NETNS_TMP/out")"
o state "$a" sreset
[[ $rc == 0 ]] && in_state dev-a SRESET && pass "obt state sreset" || fail "sreset ($rc): $(cat "$NETNS_TMP/out")"
o state "$a" rfnop --yes
[[ $rc == 1 ]] && pass "SRESET -> RFNOP is refused by the device (go through RFPRO)" || fail "sreset->rfnop: $rc"
o state "$a" rfpro
[[ $rc == 0 ]] && in_state dev-a RFPRO && pass "SRESET -> RFPRO" || fail "sreset->rfpro ($rc): $(cat "$NETNS_TMP/out")"

# --- onboard --to rfnop: the default policy ---------------------------------------------------
e2e_start_device dev-b dev --otm jw
netns_exec obt "$obt" onboard --all --yes --to rfnop --store "$store" --interface eth0 --window 3000 \
  >"$NETNS_TMP/onboard-b.out" 2>&1 && pass "obt onboard --to rfnop exits 0" ||
  fail "onboard --to rfnop: $(cat "$NETNS_TMP/onboard-b.out")"
b=$(store_uuid dev-b)
in_state dev-b RFNOP && pass "dev-b: RFNOP in one go" || fail "dev-b state: $(tail -3 "$NETNS_TMP/dev-b.log")"
[[ $(plain dev-b get /oic/res) == 2.05 ]] && pass "dev-b: /oic/res still answered in the clear (default policy)" ||
  fail "dev-b /oic/res: $(plain dev-b get /oic/res)"
o state "$b" rfpro
o acl add "$b" --subject auth-crypt --res rt:oic.r.switch.binary --perm RU
o acl list "$b" --json
grep -q '"subject":"conntype:auth-crypt","resources":\["/switch"\]' "$NETNS_TMP/out" &&
  pass "acl add --res rt:oic.r.switch.binary resolved to /switch from the device's /oic/res" ||
  fail "rt resolution: $(cat "$NETNS_TMP/out")"

o acl allow "$a" "$b" /switch --perm RU
allow_ace=$(grep -o "aceid [0-9]*" "$NETNS_TMP/out" | head -1 | cut -d' ' -f2)
o acl list "$b" --json
grep -q "\"subject\":\"uuid:$a\",\"resources\":\[\"/switch\"\],\"permission\":6" "$NETNS_TMP/out" &&
  pass "obt acl allow: dev-a may read and update dev-b's /switch" || fail "acl allow: $(cat "$NETNS_TMP/out")"
o acl replace "$b" "$allow_ace" --subject "uuid:$a" --res /switch --perm R
o acl list "$b" --json
grep -q "\"aceid\":$allow_ace,\"subject\":\"uuid:$a\",\"resources\":\[\"/switch\"\],\"permission\":2" "$NETNS_TMP/out" &&
  pass "obt acl replace: the same aceid, now R only" || fail "acl replace: $(cat "$NETNS_TMP/out")"
o acl replace "$b" 12345 --subject "uuid:$a" --res /switch --perm R
[[ $rc == 1 ]] && grep -q "no ACE with that aceid" "$NETNS_TMP/out" && pass "replacing an aceid the device lacks writes nothing" ||
  fail "replace unknown ($rc): $(cat "$NETNS_TMP/out")"

for name in dev-a dev-b; do e2e_stop_device "$name"; done
e2e_finish
