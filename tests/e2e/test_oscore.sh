#!/usr/bin/env bash
# OSCORE pairwise contexts and SSM groups end to end (issue 6 item 6; S003 6.3, 6.4; digest §6.4,
# §6.5; ADR 0022): `obt onboard --all` claims four Just Works ocf-device processes on host "dev"
# (network namespaces, real UDP and DTLS): dev-a, dev-b and dev-c list credtypes 64, 128 and 256
# in sct (1 + 64 + 128 + 256 = 449), dev-d only 1.
#   - obt oscore pair with dev-d fails at the sct check and writes nothing;
#   - obt oscore pair a b (7-byte ids) and a c (--id-len 2): credtype 64 on both sides, each
#     side's senderid the other's recipientid, ids 01-prefixed lower-case hex, all distinct on a;
#     pairing a b again replaces the context (new ids, still one entry per side);
#   - with dev-c in RFNOP, pairing a c moves it to RFPRO for the write and back to RFNOP;
#   - with dev-c's credential table full (client keys) pairing a c fails and dev-a's new context
#     is removed again (undo): dev-a keeps exactly its old context for dev-c;
#   - obt group create (two groups at once on the same devices): credtype 128 on clients with
#     their senderid, credtype 256 on servers with the recipientid of every client, 02-prefixed,
#     the description; obt group rekey changes every id and leaves one set of contexts;
#     obt group delete removes them; a group with dev-d fails at the check, writing nothing;
#   - every device's /oic/sec/cred, read over its owner session by our own DTLS client with the
#     owner credential (obt show --owner-key), validates against the OCF cred schema (the unit
#     tests' validator and python3-jsonschema), shows no private data, and every OSCORE entry has
#     its type's shape (tests/e2e/oscore_check.py);
#   - obt oscore unpair removes the contexts.
# Usage: test_oscore.sh path/to/obt path/to/ocf-device path/to/psk_client SCHEMA_DIR  (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

usage="usage: test_oscore.sh path/to/obt path/to/ocf-device path/to/psk_client SCHEMA_DIR"
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
e2e_start_device dev-d dev --otm jw --sct 1

net=(--store "$store" --interface eth0 --window 500 -t 10) # a short window: the stored address serves
obtq() { netns_exec obt "$obt" "$@" "${net[@]}"; }
store_uuid() { # NAME: the uuid the store holds for the owned device of that name
  netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(d["uuid"] for d in json.load(sys.stdin) if d["name"] == sys.argv[1] and d["state"] == "owned"))' "$1"
}
# ctxs DEV...: the OSCORE entries of each device, one per line:
#   DEVUUID CREDTYPE CREDID SUBJECT SENDERID RECIPIENTID "DESC"   (obt creds --json)
ctxs() {
  local lines=()
  mapfile -t lines < <(obtq creds --json "$@" 2>>"$NETNS_TMP/creds.err")
  python3 "$here/oscore_check.py" "$schemas" ids "${lines[@]}"
}
# col N: column N of stdin's lines
col() { awk -v n="$1" '{print $n}'; }

netns_exec obt "$obt" init --store "$store" --name "E2E oscore" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"
netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 5000 >"$NETNS_TMP/onboard.out" 2>&1 ||
  netns_die "onboard: $(cat "$NETNS_TMP/onboard.out")"
declare -A uuid
for name in dev-a dev-b dev-c dev-d; do
  uuid[$name]=$(store_uuid "$name")
  [[ -n ${uuid[$name]} ]] || netns_die "$name not owned: $(cat "$NETNS_TMP/onboard.out")"
done
a=${uuid[dev-a]} b=${uuid[dev-b]} c=${uuid[dev-c]} d=${uuid[dev-d]}
pass "obt onboard --all claims the four devices"

# --- pairwise (S003 6.3) ---------------------------------------------------------------------------
rc=0
obtq oscore pair "$a" "$d" >"$NETNS_TMP/pair-ad.out" 2>&1 || rc=$?
[[ $rc == 1 ]] && grep -q "does not list credtype 64" "$NETNS_TMP/pair-ad.out" &&
  pass "obt oscore pair with an sct 1 device exits 1 at the sct check" ||
  fail "pair a d: exit $rc: $(cat "$NETNS_TMP/pair-ad.out")"
[[ -z $(ctxs "$a") ]] && pass "nothing was written to dev-a" || fail "dev-a: $(ctxs "$a")"

rc=0
obtq oscore pair "$a" "$b" >"$NETNS_TMP/pair-ab.out" 2>&1 || rc=$?
[[ $rc == 0 && $(grep -c "^paired" "$NETNS_TMP/pair-ab.out") == 2 ]] && pass "obt oscore pair a b exits 0 for both" ||
  fail "pair a b: exit $rc: $(cat "$NETNS_TMP/pair-ab.out")"
# pair_ids X Y: "senderid recipientid" of X's credtype 64 entry for Y (and how many there are)
pair_ids() { ctxs "$1" | awk -v s="$2" '$2 == 64 && $4 == s {print $5, $6}'; }
ab=$(pair_ids "$a" "$b")
ba=$(pair_ids "$b" "$a")
read -r ab_s ab_r <<<"$ab"
read -r ba_s ba_r <<<"$ba"
[[ $(wc -l <<<"$ab") == 1 && $(wc -l <<<"$ba") == 1 && $ab_s == "$ba_r" && $ab_r == "$ba_s" && $ab_s != "$ab_r" ]] &&
  pass "credtype 64 on both: dev-a sends as $ab_s (dev-b's recipientid), dev-b as $ba_s" ||
  fail "pair contexts: a '$ab' b '$ba'"
[[ $ab_s =~ ^01[0-9a-f]{12}$ && $ab_r =~ ^01[0-9a-f]{12}$ ]] && pass "ids are 7 bytes of lower-case hex with first byte 01" ||
  fail "ids $ab_s $ab_r"

rc=0
obtq oscore pair "$a" "$c" --id-len 2 >"$NETNS_TMP/pair-ac.out" 2>&1 || rc=$?
ac=$(pair_ids "$a" "$c")
read -r ac_s ac_r <<<"$ac"
[[ $rc == 0 && $ac_s =~ ^01[0-9a-f]{2}$ && $ac_r =~ ^01[0-9a-f]{2}$ ]] && pass "--id-len 2: 2-byte ids $ac_s $ac_r" ||
  fail "pair a c: exit $rc: $(cat "$NETNS_TMP/pair-ac.out") '$ac'"
recips=$(ctxs "$a" | awk '$6 != "-" {print $6}')
[[ $(sort <<<"$recips" | uniq -d) == "" && $(wc -l <<<"$recips") == 2 ]] && pass "dev-a's recipientids are distinct" ||
  fail "dev-a recipientids: $recips"

rc=0
obtq oscore pair "$a" "$b" >"$NETNS_TMP/pair-ab2.out" 2>&1 || rc=$?
ab2=$(pair_ids "$a" "$b")
[[ $rc == 0 && $(wc -l <<<"$ab2") == 1 && $ab2 != "$ab" && $(wc -l <<<"$(pair_ids "$b" "$a")") == 1 ]] &&
  pass "pairing again replaces the context (new ids $ab2, one entry per side)" || fail "re-pair: exit $rc '$ab2' vs '$ab'"

# dev-c in RFNOP (credential writes refused there, digest §3.3): the pairing moves it to RFPRO for
# the write and back to RFNOP (the RFPRO bracket, ocf_obt_rfpro).
in_state() { [[ $(grep -o "state [A-Z]*" "$NETNS_TMP/$1.log" | tail -1) == "state $2" ]]; }
obtq state "$c" rfnop --yes >>"$NETNS_TMP/state.out" 2>&1 || fail "obt state rfnop: $(tail -3 "$NETNS_TMP/state.out")"
rc=0
obtq oscore pair "$a" "$c" --id-len 2 >"$NETNS_TMP/pair-ac-rfnop.out" 2>&1 || rc=$?
ac2=$(pair_ids "$a" "$c")
[[ $rc == 0 && $(wc -l <<<"$ac2") == 1 && $ac2 != "$ac" ]] && in_state dev-c RFNOP &&
  pass "obt oscore pair with dev-c in RFNOP: written (new ids $ac2) and dev-c back in RFNOP" ||
  fail "pair a c in rfnop: exit $rc: $(cat "$NETNS_TMP/pair-ac-rfnop.out") '$ac2' $(grep -o "state [A-Z]*" "$NETNS_TMP/dev-c.log" | tail -1)"
ac=$ac2
obtq state "$c" rfpro --yes >>"$NETNS_TMP/state.out" 2>&1 || fail "obt state rfpro: $(tail -3 "$NETNS_TMP/state.out")"

# Undo: dev-c's credential table full (16 entries) refuses the new context after dev-a took its
# own. External clients' keys (obt pair --client) fill it, and go again afterwards.
fillers=()
for i in $(seq 1 16); do
  u=$(printf 'f111%04x-0000-4000-8000-000000000000' "$i")
  obtq pair "$c" --client "$u" --show-key >>"$NETNS_TMP/fill.out" 2>&1 || break
  fillers+=("$u")
done
rc=0
obtq oscore pair "$a" "$c" >"$NETNS_TMP/pair-ac2.out" 2>&1 || rc=$?
[[ $rc == 1 ]] && grep -q "new context was removed again" "$NETNS_TMP/pair-ac2.out" &&
  pass "a write refused by dev-c (table full after ${#fillers[@]} client keys) fails, and dev-a's new context is removed again" ||
  fail "pair a c with dev-c full (${#fillers[@]} client keys; $(tail -2 "$NETNS_TMP/fill.out")): exit $rc: $(cat "$NETNS_TMP/pair-ac2.out")"
[[ $(pair_ids "$a" "$c") == "$ac" ]] && pass "dev-a keeps exactly its old context for dev-c" ||
  fail "dev-a for dev-c after the undo: $(pair_ids "$a" "$c")"
for u in "${fillers[@]}"; do obtq unpair "$c" --client "$u" >>"$NETNS_TMP/fill.out" 2>&1 || fail "unpair client $u"; done

# --- SSM groups (S003 6.4) -------------------------------------------------------------------------
rc=0
obtq group create lights --client "$a" --server "$b,$c" --desc "hall lights" >"$NETNS_TMP/g1.out" 2>&1 || rc=$?
[[ $rc == 0 ]] && pass "obt group create lights (client dev-a, servers dev-b, dev-c)" ||
  fail "group create lights: exit $rc: $(cat "$NETNS_TMP/g1.out")"
rc=0
obtq group create fans --client "$b,$c" --server "$a" >"$NETNS_TMP/g2.out" 2>&1 || rc=$?
[[ $rc == 0 ]] && pass "obt group create fans (clients dev-b, dev-c, server dev-a): a second group at once" ||
  fail "group create fans: exit $rc: $(cat "$NETNS_TMP/g2.out")"
groups_json() { netns_exec obt "$obt" group list --store "$store" --json; }
gsubject() { groups_json | python3 -c 'import json,sys
for l in sys.stdin:
    g = json.loads(l)
    if g["name"] == sys.argv[1]: print(g["subjectuuid"], g["idgroup"])' "$1"; }
read -r lsub lgid <<<"$(gsubject lights)"
read -r fsub fgid <<<"$(gsubject fans)"
[[ $(groups_json | wc -l) == 2 && -n $lsub && -n $fsub && $lsub != "$fsub" ]] &&
  pass "obt group list --json: two groups with their own subjectuuids" || fail "group list: $(groups_json)"

# check_group SUBJECT "CLIENTS" "SERVERS" DESC: prints the clients' senderids when the shapes hold
check_group() {
  local subject=$1 clients=$2 servers=$3 desc=$4 sids=() ok=1
  for cl in $clients; do
    local e
    e=$(ctxs "$cl" | awk -v s="$subject" '$2 == 128 && $4 == s')
    [[ $(wc -l <<<"$e") == 1 && $(col 6 <<<"$e") == - && $(col 5 <<<"$e") =~ ^02[0-9a-f]{12}$ ]] || ok=0
    [[ -z $desc || $e == *"\"$desc\""* ]] || ok=0
    sids+=("$(col 5 <<<"$e")")
  done
  for sv in $servers; do
    local r
    r=$(ctxs "$sv" | awk -v s="$subject" '$2 == 256 && $4 == s && $5 == "-" {print $6}' | sort)
    [[ $r == "$(printf '%s\n' "${sids[@]}" | sort)" ]] || ok=0
  done
  [[ $ok == 1 ]] && echo "${sids[*]}"
}
lsids=$(check_group "$lsub" "$a" "$b $c" "hall lights")
[[ -n $lsids && $lsids == "$lgid" ]] &&
  pass "lights: credtype 128 on dev-a (senderid $lsids = idGroup, desc), credtype 256 with that recipientid on dev-b and dev-c" ||
  fail "lights shapes: '$lsids' gid '$lgid': $(ctxs "$a" "$b" "$c")"
fsids=$(check_group "$fsub" "$b $c" "$a" "")
[[ -n $fsids && $(wc -w <<<"$fsids") == 2 ]] &&
  pass "fans: two clients with their own sender ids ($fsids), dev-a holds one server context per client" ||
  fail "fans shapes: '$fsids': $(ctxs "$a" "$b" "$c")"
dev_dupes=$(for dv in "$a" "$b" "$c"; do ctxs "$dv" | awk '$6 != "-" {print $6}' | sort | uniq -d; done)
[[ -z $dev_dupes ]] && pass "no device holds two contexts with one recipientid" || fail "duplicates: $dev_dupes"

rc=0
obtq group rekey lights >"$NETNS_TMP/rekey.out" 2>&1 || rc=$?
read -r lsub2 lgid2 <<<"$(gsubject lights)"
lsids2=$(check_group "$lsub" "$a" "$b $c" "hall lights")
[[ $rc == 0 && -n $lsids2 && $lsids2 != "$lsids" && $lgid2 == "$lsids2" && $lsub2 == "$lsub" ]] &&
  pass "obt group rekey lights: new ids ($lsids -> $lsids2), one set of contexts, same group subject" ||
  fail "rekey: exit $rc: $(cat "$NETNS_TMP/rekey.out") '$lsids2'"
grep -q "$lsids" <<<"$(ctxs "$a" "$b" "$c")" && fail "an old id of lights remains" || pass "the old contexts of lights are gone"
[[ $(check_group "$fsub" "$b $c" "$a" "") == "$fsids" ]] && pass "fans is untouched by the rekey of lights" ||
  fail "fans after the rekey: $(ctxs "$a" "$b" "$c")"

rc=0
obtq group create bad --client "$a" --server "$d" >"$NETNS_TMP/g3.out" 2>&1 || rc=$?
[[ $rc == 1 ]] && grep -q "does not list credtype 256" "$NETNS_TMP/g3.out" && [[ $(groups_json | wc -l) == 2 ]] &&
  [[ $(ctxs "$a" | awk '$2 == 128' | wc -l) == 1 ]] &&
  pass "a group with an sct 1 server fails at the check: nothing written, not recorded" ||
  fail "group bad: exit $rc: $(cat "$NETNS_TMP/g3.out")"

# --- what each device holds, as the device says it over the owner session, against SEC:cred ------
obt_uuid=$(netns_exec obt "$obt" domain --store "$store" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["tool_uuid"])')
total=0
for name in dev-a dev-b dev-c; do
  (umask 077 && netns_exec obt "$obt" show "${uuid[$name]}" --store "$store" --owner-key >"$NETNS_TMP/$name.psk") ||
    fail "$name: obt show --owner-key failed"
  rm -f "$NETNS_TMP/$name-cred.cbor"
  netns_exec obt "$client" --identity "$obt_uuid" --key "$(cat "$NETNS_TMP/$name.psk")" --peer "${uuid[$name]}" \
    --to "coaps://[fd00::1]:${E2E_COAPS6[$name]}" --path /oic/sec/cred --timeout 10000 \
    --payload-out "$NETNS_TMP/$name-cred.cbor" >>"$NETNS_TMP/client.out" 2>&1 || fail "$name: GET cred over the owner session"
  out=$(python3 "$here/oscore_check.py" "$schemas" schema "$NETNS_TMP/$name-cred.cbor" 2>&1) || true
  if [[ $out =~ ^ok\ ([0-9]+)$ ]]; then
    total=$((total + BASH_REMATCH[1]))
    pass "$name: GET /oic/sec/cred (owner session) validates against SEC:cred, no private data, ${BASH_REMATCH[1]} OSCORE contexts of the right shape"
  else
    fail "$name: $out"
  fi
done
# a: 64 for b and c, 128 lights, 256 x2 fans = 5; b: 64, 256 lights, 128 fans = 3; c: 64, 256, 128 = 3
[[ $total == 11 ]] && pass "11 OSCORE contexts in all, as provisioned" || fail "OSCORE contexts in all: $total"

# --- removal -----------------------------------------------------------------------------------------
rc=0
obtq group delete fans >"$NETNS_TMP/gdel.out" 2>&1 || rc=$?
[[ $rc == 0 && -z $(ctxs "$a" "$b" "$c" | awk -v s="$fsub" '$4 == s') && $(groups_json | wc -l) == 1 ]] &&
  pass "obt group delete fans: its contexts are gone from every member, and from the store" ||
  fail "group delete: exit $rc: $(cat "$NETNS_TMP/gdel.out")"
rc=0
obtq oscore unpair "$a" "$c" >"$NETNS_TMP/unpair.out" 2>&1 || rc=$?
[[ $rc == 0 && -z $(pair_ids "$a" "$c") && -z $(pair_ids "$c" "$a") && -n $(pair_ids "$a" "$b") ]] &&
  pass "obt oscore unpair a c removes both contexts, a-b stays" || fail "unpair: exit $rc: $(cat "$NETNS_TMP/unpair.out")"
netns_exec obt "$obt" show "$a" --store "$store" >"$NETNS_TMP/show-a.txt" 2>&1 || true
grep -q "oscore pair" "$NETNS_TMP/show-a.txt" && grep -q "group rekey" "$NETNS_TMP/show-a.txt" &&
  pass "the audit log records the pairing and the rekey" || fail "audit: $(cat "$NETNS_TMP/show-a.txt")"

for name in dev-a dev-b dev-c dev-d; do e2e_stop_device "$name"; done
e2e_finish
