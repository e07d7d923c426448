#!/usr/bin/env bash
# End-to-end reset and re-onboarding (issue 5 item 6): `obt onboard --all` claims two Just Works
# ocf-device processes on host "dev" (network namespaces, real UDP and DTLS); `obt reset` resets
# one over the owner session (DTLS PSK with the stored owner credential, POST pstat RESET) —
# the device goes back to RFOTM under a new uuid, serves doxm in the clear again and the store
# forgets it — and a second `obt onboard --all` claims it again; `obt show` describes it;
# `obt reset --forget-only` drops the other without contacting it (it stays owned); `obt
# recover` finds nothing interrupted. Killing obt mid-onboarding and recovering is tested in
# test_obt_lifecycle (unit): a device keeps a dropped onboarding session for its 600 s
# inactivity timeout (digest 3.6), too long for this test.
# Usage: test_lifecycle.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v coap-client-notls >/dev/null 2>&1 || netns_skip "coap-client-notls not found (Debian libcoap3-bin)"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_lifecycle.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_lifecycle.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
start_device() { e2e_start_device "$1" dev --otm jw; }
start_device dev-a
start_device dev-b

# store_uuid NAME: the uuid the store holds for the device of that name, owned; "" when none
store_uuid() {
  netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(d["uuid"] for d in json.load(sys.stdin) if d["name"] == sys.argv[1] and d["state"] == "owned"))' "$1"
}
onboard_all() {
  netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 5000 >>"$NETNS_TMP/onboard.out" 2>&1
}

netns_exec obt "$obt" init --store "$store" --name "E2E lab" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"
onboard_all && pass "obt onboard --all claims both devices" || fail "onboard: $(cat "$NETNS_TMP/onboard.out")"
a=$(store_uuid dev-a)
b=$(store_uuid dev-b)
[[ -n $a && -n $b ]] || netns_die "not both owned: $(netns_exec obt "$obt" devices --store "$store")"

if netns_exec obt "$obt" reset --store "$store" --yes --interface eth0 --window 3000 -t 10 "$a" \
  >"$NETNS_TMP/reset.out" 2>&1; then
  pass "obt reset exits 0"
else
  fail "obt reset exited $?: $(cat "$NETNS_TMP/reset.out")"
fi
grep -q "^reset" "$NETNS_TMP/reset.out" && pass "obt reset reports the device reset" ||
  fail "reset output: $(cat "$NETNS_TMP/reset.out")"
[[ -z $(store_uuid dev-a) ]] && pass "dev-a: forgotten by the store" || fail "dev-a still in the store"
for ((i = 0; i < 300; i++)); do [[ $(e2e_doxm_field dev-a owned) == False ]] && break; sleep 0.05; done
[[ $(e2e_doxm_field dev-a owned) == False ]] && pass "dev-a: unowned again, doxm served in the clear (RFOTM)" ||
  fail "dev-a: doxm after the reset: $(e2e_doxm_field dev-a owned); log: $(cat "$NETNS_TMP/dev-a.log")"
new_di=$(e2e_doxm_field dev-a deviceuuid)
[[ $new_di != "$a" ]] && pass "dev-a: a new temporary uuid after RESET (digest 3.5)" || fail "dev-a kept $a"
grep -qx "ocf-device: state RFOTM" "$NETNS_TMP/dev-a.log" && pass "dev-a: its log says RFOTM" ||
  fail "dev-a: no RFOTM in its log"
[[ $(store_uuid dev-b) == "$b" ]] && pass "dev-b: untouched" || fail "dev-b changed"

: >"$NETNS_TMP/onboard.out"
onboard_all && pass "a second obt onboard --all exits 0" || fail "re-onboard: $(cat "$NETNS_TMP/onboard.out")"
grep -c "^owned" "$NETNS_TMP/onboard.out" | grep -qx 1 && pass "it claims dev-a only" ||
  fail "second onboarding: $(cat "$NETNS_TMP/onboard.out")"
a2=$(store_uuid dev-a)
[[ -n $a2 && $a2 != "$a" ]] && pass "dev-a: owned again under another uuid" || fail "dev-a not re-onboarded"

netns_exec obt "$obt" show --store "$store" --json "$a2" >"$NETNS_TMP/show.json" 2>&1 || fail "obt show: $?"
python3 - "$NETNS_TMP/show.json" "$new_di" <<'PY' && pass "obt show: owned, its uuids, credential stored, OTM jw, 9 steps" || fail "obt show: $(cat "$NETNS_TMP/show.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["state"] == "owned" and d["original_uuid"] == sys.argv[2], d
assert d["owner_credential"] is True and d["otm"] == "jw", d
# oxmsel .. rfpro: discovery's doxm answer stands for get-doxm (S003 5.3.1 step 1)
assert len(d["steps"]) == 9 and all(s["status"] == "done" for s in d["steps"]), d
PY

netns_exec obt "$obt" reset --store "$store" --forget-only --yes "$b" >"$NETNS_TMP/forget.out" 2>&1 &&
  pass "reset --forget-only exits 0" || fail "forget: $(cat "$NETNS_TMP/forget.out")"
[[ -z $(store_uuid dev-b) && $(e2e_doxm_field dev-b owned) == no-answer ]] &&
  pass "dev-b: forgotten by the store, still owned (not contacted)" || fail "dev-b after forget"
netns_exec obt "$obt" recover --store "$store" >"$NETNS_TMP/recover.out" 2>&1 &&
  grep -q "No interrupted onboarding" "$NETNS_TMP/recover.out" && pass "obt recover: nothing interrupted" ||
  fail "recover: $(cat "$NETNS_TMP/recover.out")"

for name in dev-a dev-b; do e2e_stop_device "$name"; done
e2e_finish
