#!/usr/bin/env bash
# obt apply and obt offboard end to end (issue 6 items 10 and 5; ADR 0023): three Just Works
# ocf-device processes on host "dev" (network namespaces, real UDP and DTLS) are onboarded;
#   - dev-a and dev-b are paired by hand (obt pair --show-key: the test needs the key), so the
#     policy's "pair a b" finds it held and only "pair b c" is new;
#   - obt apply --dry-run shows the difference and changes nothing; obt apply writes it (an ACE
#     written by hand that the policy restates is left alone, and never removed);
#   - with dev-b in RFNOP, psk_client as dev-a reads dev-b's /switch (the policy's allow);
#   - obt apply again: "no changes", and every device's acl2 and cred read back identical;
#   - the allow removed from the file: apply removes exactly that ACE (dev-b moved to RFPRO and
#     back to RFNOP by the job), and dev-a's read is refused;
#   - obt offboard dev-c: dev-b's key and ACE for dev-c are gone, dev-c is back in RFOTM and the
#     store forgot it; obt offboard dev-b with dev-a stopped: dev-a reported (exit 4), its key and
#     the pairing record kept, and a second run finishes the job.
# Usage: test_apply.sh path/to/obt path/to/ocf-device path/to/psk_client   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_apply.sh path/to/obt path/to/ocf-device path/to/psk_client}
device=${2:?usage: test_apply.sh path/to/obt path/to/ocf-device path/to/psk_client}
client=${3:?usage: test_apply.sh path/to/obt path/to/ocf-device path/to/psk_client}
[[ -x $obt && -x $device && -x $client ]] || netns_die "not executable: $obt, $device or $client"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
for name in dev-a dev-b dev-c; do e2e_start_device "$name" dev --otm jw --sct 1; done

store_uuid() { # NAME: the uuid the store holds for the owned device of that name
  netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(d["uuid"] for d in json.load(sys.stdin) if d["name"] == sys.argv[1] and d["state"] == "owned"))' "$1"
}
o() { # obt COMMAND ARGS...: output in $NETNS_TMP/out, exit status in $rc
  rc=0
  netns_exec obt "$obt" "$1" --store "$store" "${@:2}" --interface eth0 --window 1000 -t 10 >"$NETNS_TMP/out" 2>&1 ||
    rc=$?
}
creds_for() { # DEV SUBJECT: DEV's credtype 1 credids for SUBJECT
  o creds "$1" --json
  python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).readline())
print(" ".join(str(c["credid"]) for c in d["creds"] if c["credtype"] == 1 and c["subject"] == sys.argv[2]))' "$NETNS_TMP/out" "$2"
}
snapshot() { # FILE: every device's acl2 and cred as obt lists them
  : >"$1"
  for u in "$a" "$b" "$c"; do
    o acl list "$u" --json && cat "$NETNS_TMP/out" >>"$1"
    o creds "$u" --json && cat "$NETNS_TMP/out" >>"$1"
  done
}
psk() { # IDENTITY KEY TARGET PATH: psk_client's exit status
  local rc=0
  netns_exec obt "$client" --identity "$1" --key "$2" --peer "${uuid[$3]}" \
    --to "coaps://[fd00::1]:${E2E_COAPS6[$3]}" --path "$4" --timeout 10000 >>"$NETNS_TMP/client.out" 2>&1 || rc=$?
  echo "$rc"
}
in_state() { [[ $(grep -o "state [A-Z]*" "$NETNS_TMP/$1.log" | tail -1) == "state $2" ]]; }

netns_exec obt "$obt" init --store "$store" --name "E2E apply" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"
netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 5000 >"$NETNS_TMP/onboard.out" 2>&1 ||
  netns_die "onboard: $(cat "$NETNS_TMP/onboard.out")"
declare -A uuid
for name in dev-a dev-b dev-c; do
  uuid[$name]=$(store_uuid "$name")
  [[ -n ${uuid[$name]} ]] || netns_die "$name not owned: $(cat "$NETNS_TMP/onboard.out")"
done
a=${uuid[dev-a]} b=${uuid[dev-b]} c=${uuid[dev-c]}
pass "three devices onboarded"

(umask 077 && netns_exec obt "$obt" pair --store "$store" --interface eth0 --window 1000 -t 10 --show-key "$a" "$b" \
  >"$NETNS_TMP/pair.out" 2>&1) || netns_die "pair: $(cat "$NETNS_TMP/pair.out")"
key=$(tail -n 1 "$NETNS_TMP/pair.out")

# An ACE written by hand: a policy that restates it leaves it alone, and never removes it.
o acl add "$b" --subject anon-clear --res /oic/res --perm R
[[ $rc == 0 ]] || fail "acl add by hand: $(cat "$NETNS_TMP/out")"
policy=$NETNS_TMP/policy
cat >"$policy" <<POLICY
# the lab's policy
device a $a
device b $b
pair a b            # already paired by hand: held, left alone
pair b "dev-c"      # by the device's name
allow a b /switch R
allow dev-c b /switch RU
ace dev-c subject=uuid:b res=/switch perm=R
ace b subject=anon-clear res=/oic/res perm=R   # held already (written by hand)
POLICY

snapshot "$NETNS_TMP/snap0"
o apply "$policy" --dry-run
[[ $rc == 0 ]] && grep -q "^+ pair $b $c" "$NETNS_TMP/out" && ! grep -q "pair $a" "$NETNS_TMP/out" &&
  [[ $(grep -c "^+ .* ace " "$NETNS_TMP/out") == 3 ]] &&
  pass "obt apply --dry-run: one new pair (the held one left alone) and three ACEs" ||
  fail "dry run ($rc): $(cat "$NETNS_TMP/out")"
snapshot "$NETNS_TMP/snap1"
cmp -s "$NETNS_TMP/snap0" "$NETNS_TMP/snap1" && pass "--dry-run changed nothing" || fail "dry run changed the devices"

o apply "$policy"
[[ $rc == 2 ]] && pass "without a terminal and --yes, apply refuses (exit 2)" || fail "apply without --yes: $rc"
o apply "$policy" --yes
[[ $rc == 0 ]] && grep -q "^ok *pair $b $c" "$NETNS_TMP/out" && pass "obt apply --yes exits 0" ||
  fail "apply ($rc): $(cat "$NETNS_TMP/out")"
[[ -n $(creds_for "$b" "$c") && -n $(creds_for "$c" "$b") ]] && pass "dev-b and dev-c hold pairwise keys for each other" ||
  fail "b/c keys missing"
o acl list "$b" --json
grep -q "\"subject\":\"uuid:$a\",\"resources\":\[\"/switch\"\],\"permission\":2" "$NETNS_TMP/out" &&
  grep -q "\"subject\":\"uuid:$c\",\"resources\":\[\"/switch\"\],\"permission\":6" "$NETNS_TMP/out" &&
  pass "dev-b holds both allows" || fail "acl b: $(cat "$NETNS_TMP/out")"

o state "$b" rfnop --yes
[[ $rc == 0 ]] || fail "state rfnop: $(cat "$NETNS_TMP/out")"
[[ $(psk "$a" "$key" dev-b /switch) == 0 ]] && pass "as dev-a over the pairwise key: dev-b's /switch read (the policy's allow)" ||
  fail "psk a->b: $(tail -2 "$NETNS_TMP/client.out")"

snapshot "$NETNS_TMP/before"
o apply "$policy" --yes
[[ $rc == 0 ]] && grep -q "^no changes" "$NETNS_TMP/out" && pass "obt apply again: no changes" ||
  fail "second apply ($rc): $(cat "$NETNS_TMP/out")"
snapshot "$NETNS_TMP/after"
cmp -s "$NETNS_TMP/before" "$NETNS_TMP/after" && pass "every device's acl2 and cred unchanged (JSON before/after)" ||
  fail "changed: $(diff "$NETNS_TMP/before" "$NETNS_TMP/after")"

o apply "$policy" --dry-run --json
python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev[-1] == {"event": "plan", "changes": 0, "dry_run": True}, ev' "$NETNS_TMP/out" &&
  pass "obt apply --dry-run --json: a plan event with 0 changes" || fail "json: $(cat "$NETNS_TMP/out")"

grep -v "^allow a b\|^ace b" "$policy" >"$policy.2"
o apply "$policy.2" --yes
[[ $rc == 0 && $(grep -c "^- " "$NETNS_TMP/out") == 1 && $(grep -c "^+ " "$NETNS_TMP/out") == 0 ]] &&
  grep -q "^- $b ace .*uuid:$a resources /switch" "$NETNS_TMP/out" && pass "allow removed from the file: apply removes exactly that ACE" ||
  fail "apply edited ($rc): $(cat "$NETNS_TMP/out")"
o acl list "$b" --json
! grep -q "\"uuid:$a\"" "$NETNS_TMP/out" && grep -q "\"uuid:$c\"" "$NETNS_TMP/out" &&
  grep -q '"subject":"conntype:anon-clear","resources":\["/oic/res"\]' "$NETNS_TMP/out" &&
  pass "dev-b keeps the other allow and the ACE written by hand (not the policy's)" ||
  fail "acl b after: $(cat "$NETNS_TMP/out")"
in_state dev-b RFNOP && pass "dev-b back in RFNOP after the change" || fail "dev-b state: $(tail -3 "$NETNS_TMP/dev-b.log")"
[[ $(psk "$a" "$key" dev-b /switch) == 1 ]] && pass "dev-a's read of dev-b's /switch is refused now" ||
  fail "psk after removal: $(tail -1 "$NETNS_TMP/client.out")"

o offboard "$c"
[[ $rc == 2 ]] && grep -q "remove the ACEs and credentials naming it from 2 other" "$NETNS_TMP/out" &&
  pass "obt offboard shows the plan and wants --yes without a terminal" || fail "offboard plan ($rc): $(cat "$NETNS_TMP/out")"
o offboard "$c" --yes
[[ $rc == 0 ]] && pass "obt offboard --yes exits 0" || fail "offboard ($rc): $(cat "$NETNS_TMP/out")"
[[ -z $(creds_for "$b" "$c") ]] && pass "dev-b's pairwise key for dev-c is gone" || fail "b still holds a key for c"
o acl list "$b" --json
! grep -q "\"uuid:$c\"" "$NETNS_TMP/out" && pass "dev-b's ACE for dev-c is gone" || fail "acl b: $(cat "$NETNS_TMP/out")"
in_state dev-b RFNOP && pass "dev-b still in RFNOP" || fail "dev-b state after offboard"
in_state dev-c RFOTM && pass "dev-c is back in RFOTM" || fail "dev-c state: $(tail -3 "$NETNS_TMP/dev-c.log")"
[[ -z $(store_uuid dev-c) ]] && pass "the store forgot dev-c" || fail "dev-c still owned in the store"
o offboard "$c" --yes
[[ $rc == 0 ]] && pass "offboarding again (device forgotten) only checks the peers: exit 0" ||
  fail "offboard again ($rc): $(cat "$NETNS_TMP/out")"

# A peer that does not answer: dev-a is stopped while dev-b leaves. dev-b is still reset; dev-a
# is reported, keeps its key and the store its pairing record; a second run (dev-b already
# forgotten) finishes the job.
kill -STOP "${E2E_PID[dev-a]}"
rc=0
netns_exec obt "$obt" offboard "$b" --yes --store "$store" --interface eth0 --window 500 -t 2 >"$NETNS_TMP/out" 2>&1 || rc=$?
kill -CONT "${E2E_PID[dev-a]}"
[[ $rc == 4 ]] && grep -q "FAILED.*$a" "$NETNS_TMP/out" && pass "offboard with a silent peer: reported, exit 4" ||
  fail "offboard b ($rc): $(cat "$NETNS_TMP/out")"
in_state dev-b RFOTM && pass "dev-b was reset all the same" || fail "dev-b state: $(tail -3 "$NETNS_TMP/dev-b.log")"
o creds "$a" --json
grep -q "\"subject\": \"$b\", \"usage\": \"[^\"]*\", \"note\": \"pairwise key\"" "$NETNS_TMP/out" &&
  pass "dev-a still holds its key for dev-b, and the store still records the pairing" || fail "creds a: $(cat "$NETNS_TMP/out")"
o offboard "$b" --yes
[[ $rc == 0 && -z $(creds_for "$a" "$b") ]] && pass "offboarding dev-b again finishes: dev-a's key for it is gone" ||
  fail "offboard b again ($rc): $(cat "$NETNS_TMP/out")"

for name in dev-a dev-b dev-c; do e2e_stop_device "$name"; done
e2e_finish
