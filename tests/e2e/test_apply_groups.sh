#!/usr/bin/env bash
# OSCORE SSM groups in obt apply, and pairing devices in RFNOP (issue 6 items 10 and 9/5; ADR
# 0023, ADR 0022): three Just Works ocf-device processes on host "dev" (network namespaces, real
# UDP and DTLS) that list credtypes 1, 64, 128 and 256 in sct (449) are onboarded;
#   - dev-a and dev-b are moved to RFNOP and paired by obt pair: both hold the key and are back
#     in RFNOP (the RFPRO bracket);
#   - a group made by hand (obt group create hand, dev-a in RFNOP) is never touched by apply;
#   - obt apply --dry-run shows "+ group lights ..." and changes nothing; obt apply writes it
#     (dev-a, in RFNOP, stays there): credtype 128 on the client with its senderid, credtype 256
#     with that recipientid on each server, the desc; every device's /oic/sec/cred, read over its
#     owner session, validates against SEC:cred (tests/e2e/oscore_check.py);
#   - obt apply again: "no changes";
#   - dev-c dropped from the servers: "~ group lights rekey", new ids on dev-a and dev-b, dev-c's
#     lights contexts gone, the subjectuuid kept;
#   - a file naming the hand group with other members is refused, nothing written;
#   - the group dropped from the file: "- group lights", its contexts gone from every member
#     and the store; the hand group's contexts are the same as at the start;
#   - obt group rekey hand --client --server moves the hand group to other members (the device
#     that left loses its context), and apply still leaves it alone.
# Usage: test_apply_groups.sh path/to/obt path/to/ocf-device path/to/psk_client SCHEMA_DIR
# (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

usage="usage: test_apply_groups.sh path/to/obt path/to/ocf-device path/to/psk_client SCHEMA_DIR"
obt=${1:?$usage}
device=${2:?$usage}
client=${3:?$usage}
schemas=${4:?$usage}
[[ -x $obt && -x $device && -x $client ]] || netns_die "not executable: $obt, $device or $client"
[[ -d $schemas ]] || netns_skip "no OCF schemas at $schemas"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
for name in dev-a dev-b dev-c; do e2e_start_device "$name" dev --otm jw --sct 449; done

net=(--store "$store" --interface eth0 --window 500 -t 10) # a short window: the stored address serves
store_uuid() { # NAME: the uuid the store holds for the owned device of that name
  netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(d["uuid"] for d in json.load(sys.stdin) if d["name"] == sys.argv[1] and d["state"] == "owned"))' "$1"
}
o() { # obt COMMAND ARGS...: output in $NETNS_TMP/out, exit status in $rc
  rc=0
  netns_exec obt "$obt" "$@" "${net[@]}" >"$NETNS_TMP/out" 2>&1 || rc=$?
}
# ctxs DEV...: the OSCORE entries of each device, one per line:
#   DEVUUID CREDTYPE CREDID SUBJECT SENDERID RECIPIENTID "DESC"   (obt creds --json)
ctxs() {
  local lines=()
  mapfile -t lines < <(netns_exec obt "$obt" creds --json "$@" "${net[@]}" 2>>"$NETNS_TMP/creds.err")
  python3 "$here/oscore_check.py" "$schemas" ids "${lines[@]}"
}
creds_for() { # DEV SUBJECT: DEV's credtype 1 credids for SUBJECT
  netns_exec obt "$obt" creds "$1" --json "${net[@]}" 2>/dev/null | python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
print(" ".join(str(c["credid"]) for c in d["creds"] if c["credtype"] == 1 and c["subject"] == sys.argv[1]))' "$2"
}
in_state() { [[ $(grep -o "state [A-Z]*" "$NETNS_TMP/$1.log" | tail -1) == "state $2" ]]; }
groups_json() { netns_exec obt "$obt" group list --store "$store" --json; }
gfield() { # NAME FIELD: a field of the store's group NAME ("" when there is none)
  groups_json | python3 -c 'import json,sys
for l in sys.stdin:
    g = json.loads(l)
    if g["name"] == sys.argv[1]: print(g[sys.argv[2]])' "$1" "$2"
}
col() { awk -v n="$1" '{print $n}'; }

netns_exec obt "$obt" init --store "$store" --name "E2E apply groups" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
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

# --- pairing devices in RFNOP ----------------------------------------------------------------------
o state "$a" "$b" rfnop --yes
[[ $rc == 0 ]] && in_state dev-a RFNOP && in_state dev-b RFNOP && pass "dev-a and dev-b in RFNOP" ||
  fail "state rfnop ($rc): $(cat "$NETNS_TMP/out")"
o pair "$a" "$b"
[[ $rc == 0 && $(grep -c "^paired.*(RFPRO and back to RFNOP)" "$NETNS_TMP/out") == 2 ]] &&
  pass "obt pair of two devices in RFNOP: both moved to RFPRO for the write and back" ||
  fail "pair in rfnop ($rc): $(cat "$NETNS_TMP/out")"
[[ -n $(creds_for "$a" "$b") && -n $(creds_for "$b" "$a") ]] && pass "dev-a and dev-b hold the pairwise keys" ||
  fail "keys a/b missing"
in_state dev-a RFNOP && in_state dev-b RFNOP && pass "dev-a and dev-b are back in RFNOP" ||
  fail "states: $(grep -o "state [A-Z]*" "$NETNS_TMP/dev-a.log" | tail -1) $(grep -o "state [A-Z]*" "$NETNS_TMP/dev-b.log" | tail -1)"

# --- a group made by hand: never the policy's ---------------------------------------------------------
o group create hand --client "$c" --server "$a"
[[ $rc == 0 ]] && in_state dev-a RFNOP && pass "obt group create hand (server dev-a in RFNOP, back in RFNOP)" ||
  fail "group create hand ($rc): $(cat "$NETNS_TMP/out")"
hsub=$(gfield hand subjectuuid)
hand_ctx() { ctxs "$a" "$c" | awk -v s="$hsub" '$4 == s' | sort; }
hand0=$(hand_ctx)
[[ $(wc -l <<<"$hand0") == 2 && $(gfield hand by_apply) == False ]] && pass "the hand group: two contexts, not the policy's" ||
  fail "hand group: '$hand0' $(groups_json)"

# --- apply a group ---------------------------------------------------------------------------------
policy=$NETNS_TMP/policy
cat >"$policy" <<POLICY
device a $a
device b $b
pair a b                                               # held already (obt pair above)
group lights client=a server=b,dev-c desc="hall lights"  # dev-c by its name
POLICY
o apply "$policy" --dry-run
[[ $rc == 0 && $(grep -c "^[-+~] " "$NETNS_TMP/out") == 1 ]] &&
  grep -q "^+ group lights client=$a server=$b,$c$" "$NETNS_TMP/out" && [[ -z $(gfield lights name) ]] &&
  pass "obt apply --dry-run: + group lights (the held pair left alone), nothing recorded" ||
  fail "dry run ($rc): $(cat "$NETNS_TMP/out")"
o apply "$policy" --dry-run --json
python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
g = [e for e in ev if e.get("what") == "group"]
assert g == [{"event": "plan", "change": "add", "what": "group", "name": "lights", "clients": [sys.argv[2]],
              "servers": [sys.argv[3], sys.argv[4]]}], ev
assert ev[-1] == {"event": "plan", "changes": 1, "dry_run": True}, ev' "$NETNS_TMP/out" "$a" "$b" "$c" &&
  pass "--json: the group's plan event" || fail "json plan: $(cat "$NETNS_TMP/out")"
[[ -z $(ctxs "$a" "$b" "$c" | awk '$2 == 128 || $2 == 256' | grep -v "$hsub") ]] && pass "--dry-run wrote nothing" ||
  fail "dry run wrote: $(ctxs "$a" "$b" "$c")"

o apply "$policy" --yes
[[ $rc == 0 ]] && grep -q "^ok *group lights *created" "$NETNS_TMP/out" && pass "obt apply creates the group" ||
  fail "apply ($rc): $(cat "$NETNS_TMP/out")"
lsub=$(gfield lights subjectuuid)
lgid=$(gfield lights idgroup)
[[ -n $lsub && $(gfield lights by_apply) == True ]] && pass "the store records lights as the policy's" ||
  fail "group list: $(groups_json)"
# check_group CLIENT "SERVERS" ABSENT: the client's senderid when the shapes hold
check_group() {
  local e r ok=1
  e=$(ctxs "$1" | awk -v s="$lsub" '$2 == 128 && $4 == s')
  [[ $(wc -l <<<"$e") == 1 && $(col 6 <<<"$e") == - && $(col 5 <<<"$e") =~ ^02[0-9a-f]{12}$ &&
    $e == *'"hall lights"'* ]] || ok=0
  for sv in $2; do
    r=$(ctxs "$sv" | awk -v s="$lsub" '$2 == 256 && $4 == s && $5 == "-" {print $6}')
    [[ $r == "$(col 5 <<<"$e")" ]] || ok=0
  done
  for gone in $3; do [[ -z $(ctxs "$gone" | awk -v s="$lsub" '$4 == s') ]] || ok=0; done
  [[ $ok == 1 ]] && col 5 <<<"$e"
}
sid=$(check_group "$a" "$b $c" "")
[[ -n $sid && $sid == "$lgid" ]] &&
  pass "lights: credtype 128 on dev-a (senderid $sid = idGroup, desc), credtype 256 with that recipientid on dev-b and dev-c" ||
  fail "lights shapes: '$sid' gid '$lgid': $(ctxs "$a" "$b" "$c")"
in_state dev-a RFNOP && in_state dev-b RFNOP && pass "dev-a and dev-b still in RFNOP after the apply" ||
  fail "states after apply"

obt_uuid=$(netns_exec obt "$obt" domain --store "$store" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["tool_uuid"])')
for name in dev-a dev-b dev-c; do
  (umask 077 && netns_exec obt "$obt" show "${uuid[$name]}" --store "$store" --owner-key >"$NETNS_TMP/$name.psk") ||
    fail "$name: obt show --owner-key failed"
  rm -f "$NETNS_TMP/$name-cred.cbor"
  netns_exec obt "$client" --identity "$obt_uuid" --key "$(cat "$NETNS_TMP/$name.psk")" --peer "${uuid[$name]}" \
    --to "coaps://[fd00::1]:${E2E_COAPS6[$name]}" --path /oic/sec/cred --timeout 10000 \
    --payload-out "$NETNS_TMP/$name-cred.cbor" >>"$NETNS_TMP/client.out" 2>&1 || fail "$name: GET cred over the owner session"
  out=$(python3 "$here/oscore_check.py" "$schemas" schema "$NETNS_TMP/$name-cred.cbor" 2>&1) || true
  [[ $out =~ ^ok\ ([0-9]+)$ ]] &&
    pass "$name: GET /oic/sec/cred (owner session) validates against SEC:cred, ${BASH_REMATCH[1]} OSCORE contexts of the right shape" ||
    fail "$name: $out"
done

o apply "$policy" --yes
[[ $rc == 0 ]] && grep -q "^no changes" "$NETNS_TMP/out" && pass "obt apply again: no changes" ||
  fail "second apply ($rc): $(cat "$NETNS_TMP/out")"
[[ $(check_group "$a" "$b $c" "") == "$sid" ]] && pass "the group's contexts are unchanged" || fail "changed by the second apply"

# --- membership changes: a rekey --------------------------------------------------------------------
sed -i 's/server=b,dev-c/server=b/' "$policy"
o apply "$policy" --yes
[[ $rc == 0 ]] && grep -q "^~ group lights rekey client=$a server=$b$" "$NETNS_TMP/out" &&
  grep -q "^ok *group lights *rekeyed" "$NETNS_TMP/out" && pass "dev-c dropped from the file: ~ group lights rekey" ||
  fail "rekey apply ($rc): $(cat "$NETNS_TMP/out")"
sid2=$(check_group "$a" "$b" "$c")
[[ -n $sid2 && $sid2 != "$sid" && $(gfield lights idgroup) == "$sid2" && $(gfield lights subjectuuid) == "$lsub" ]] &&
  pass "rekeyed: new ids on dev-a and dev-b ($sid -> $sid2), dev-c's lights context gone, same subject" ||
  fail "after rekey: '$sid2': $(ctxs "$a" "$b" "$c")"
grep -q "$sid" <<<"$(ctxs "$a" "$b" "$c")" && fail "an old id of lights remains" || pass "no old context of lights remains"
o apply "$policy" --yes
[[ $rc == 0 ]] && grep -q "^no changes" "$NETNS_TMP/out" && pass "and again: no changes" ||
  fail "apply after rekey ($rc): $(cat "$NETNS_TMP/out")"

# --- the hand group is not the policy's ------------------------------------------------------------
printf 'group hand client=%s server=%s\n' "$a" "$b" >"$policy.conflict"
o apply "$policy.conflict" --yes
[[ $rc == 1 ]] && grep -q "made with obt group create" "$NETNS_TMP/out" && [[ $(hand_ctx) == "$hand0" ]] &&
  [[ -n $(gfield lights name) ]] && pass "a file stating the hand group with other members is refused, nothing written" ||
  fail "conflict ($rc): $(cat "$NETNS_TMP/out")"

# --- the group dropped ----------------------------------------------------------------------------
grep -v "^group lights" "$policy" >"$policy.2"
o apply "$policy.2" --yes
[[ $rc == 0 && $(grep -c "^[-+~] " "$NETNS_TMP/out") == 1 ]] && grep -q "^- group lights client=$a server=$b$" "$NETNS_TMP/out" &&
  grep -q "^ok *group lights *deleted" "$NETNS_TMP/out" && pass "the group dropped from the file: - group lights" ||
  fail "delete apply ($rc): $(cat "$NETNS_TMP/out")"
[[ -z $(ctxs "$a" "$b" "$c" | awk -v s="$lsub" '$4 == s') && -z $(gfield lights name) ]] &&
  pass "its contexts are gone from every member, and from the store" || fail "after delete: $(ctxs "$a" "$b" "$c") $(groups_json)"
[[ $(hand_ctx) == "$hand0" && -n $(gfield hand name) ]] && pass "the hand group is untouched: the same contexts as at the start" ||
  fail "hand group changed: '$(hand_ctx)' vs '$hand0'"
[[ -n $(creds_for "$a" "$b") ]] && in_state dev-a RFNOP && in_state dev-b RFNOP &&
  pass "dev-a and dev-b keep their key and stay in RFNOP" || fail "end state"
o apply "$policy.2" --yes
[[ $rc == 0 ]] && grep -q "^no changes" "$NETNS_TMP/out" && pass "and again: no changes" ||
  fail "apply after delete ($rc): $(cat "$NETNS_TMP/out")"

# --- a membership change by hand: obt group rekey --client --server ---------------------------------
o group rekey hand --client "$b" --server "$a" --desc "moved"
hid=$(ctxs "$b" | awk -v s="$hsub" '$2 == 128 && $4 == s {print $5}')
[[ $rc == 0 && -n $hid && $(ctxs "$a" | awk -v s="$hsub" '$2 == 256 && $4 == s {print $6}') == "$hid" &&
  -z $(ctxs "$c" | awk -v s="$hsub" '$4 == s') && $(ctxs "$b" | awk -v s="$hsub" '$2 == 128') == *'"moved"'* ]] &&
  pass "obt group rekey hand --client dev-b --server dev-a: dev-b the client now, dev-c's context gone" ||
  fail "rekey hand ($rc): $(cat "$NETNS_TMP/out") $(ctxs "$a" "$b" "$c")"
o apply "$policy.2" --yes
[[ $rc == 0 ]] && grep -q "^no changes" "$NETNS_TMP/out" && pass "the hand group is still not the policy's: no changes" ||
  fail "apply after the hand rekey ($rc): $(cat "$NETNS_TMP/out")"

for name in dev-a dev-b dev-c; do e2e_stop_device "$name"; done
e2e_finish
