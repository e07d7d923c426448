#!/usr/bin/env bash
# Pairwise keys end to end (issue 6 items 5 and 7; digest §6.6, §8.2): `obt onboard --all` claims
# three Just Works ocf-device processes on host "dev" (network namespaces, real UDP and DTLS):
# dev-a and dev-b support credtype 1 (sct 1), dev-c only certificates (sct 8).
#   - obt pair dev-a dev-c fails (dev-c cannot hold the key) and writes nothing to dev-a;
#   - obt pair --show-key dev-a dev-b gives both a credtype 1 entry for the other (obt creds);
#   - psk_client, our stack as device A (PSK identity = A's uuid, 16 raw bytes, suite 0xC037),
#     opens a DTLS session to dev-b with that key and dev-b serves it as A: GET /oic/sec/roles
#     (answered to an authenticated peer known by uuid, digest 3.4 rule 8) is 2.05, GET /oic/d is
#     refused (no ACE for A yet) over the same kind of session; in RFNOP, dev-b's /switch is
#     refused to A until `obt acl allow A B /switch --perm R`, then read; a wrong key, or
#     another device's identity, gets no session;
#   - device A's OWN client (ocf-device --request: dev-a's identity and pairwise key from its
#     storage, over its own DTLS client session): on dev-b in RFNOP, GET and POST /switch are
#     refused (4.01) before any ACE, GET is served and POST refused after an R ACE, both served
#     after an RU ACE (the switch really changes), refused again after obt acl remove;
#   - obt unpair removes both entries: the same client gets no session any more;
#   - the pairwise key appears nowhere but in --show-key's own output: not in the devices' logs
#     (debug level), obt's other outputs (pair at -v -v) or the domain store (issue 7 item 6).
# Usage: test_pairing.sh path/to/obt path/to/ocf-device path/to/psk_client   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_pairing.sh path/to/obt path/to/ocf-device path/to/psk_client}
device=${2:?usage: test_pairing.sh path/to/obt path/to/ocf-device path/to/psk_client}
client=${3:?usage: test_pairing.sh path/to/obt path/to/ocf-device path/to/psk_client}
[[ -x $obt && -x $device && -x $client ]] || netns_die "not executable: $obt, $device or $client"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
# Debug logging: the secrets check at the end scans everything these devices log at their most verbose.
# dev-a keeps its state: its own client (ocf-device --request) loads its credentials from there.
dev_a_args=(--otm jw --sct 1 --log-level debug --storage "$NETNS_TMP/dev-a.store")
e2e_start_device dev-a dev "${dev_a_args[@]}"
e2e_start_device dev-b dev --otm jw --sct 1 --log-level debug
e2e_start_device dev-c dev --otm jw --sct 8

store_uuid() { # NAME: the uuid the store holds for the owned device of that name
  netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(d["uuid"] for d in json.load(sys.stdin) if d["name"] == sys.argv[1] and d["state"] == "owned"))' "$1"
}
# creds_for DEV SUBJECT: the credids of DEV's credtype 1 entries for SUBJECT (obt creds --json)
creds_for() {
  netns_exec obt "$obt" creds --store "$store" --interface eth0 --window 2000 -t 10 --json "$1" 2>>"$NETNS_TMP/creds.err" |
    python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
print(" ".join(str(c["credid"]) for c in d["creds"] if c["credtype"] == 1 and c["subject"] == sys.argv[1]))' "$2"
}
# psk DEV_IDENTITY KEY TARGET PATH: psk_client's exit status as device DEV_IDENTITY to TARGET
psk() {
  local rc=0
  netns_exec obt "$client" --identity "$1" --key "$2" --peer "${uuid[$3]}" \
    --to "coaps://[fd00::1]:${E2E_COAPS6[$3]}" --path "$4" --timeout 10000 >>"$NETNS_TMP/client.out" 2>&1 || rc=$?
  echo "$rc"
}

netns_exec obt "$obt" init --store "$store" --name "E2E pairing" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"
netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 5000 >"$NETNS_TMP/onboard.out" 2>&1 ||
  netns_die "onboard: $(cat "$NETNS_TMP/onboard.out")"
declare -A uuid
for name in dev-a dev-b dev-c; do
  uuid[$name]=$(store_uuid "$name")
  [[ -n ${uuid[$name]} ]] || netns_die "$name not owned: $(cat "$NETNS_TMP/onboard.out")"
done
a=${uuid[dev-a]} b=${uuid[dev-b]} c=${uuid[dev-c]}
pass "obt onboard --all claims the three devices"

# Issue 6 item 7: a device without credtype 1 in sct cannot be paired; nothing is written.
rc=0
netns_exec obt "$obt" pair --store "$store" --interface eth0 --window 2000 -t 10 "$a" "$c" >"$NETNS_TMP/pair-ac.out" 2>&1 || rc=$?
[[ $rc == 1 ]] && grep -q "cannot hold a symmetric pair-wise key" "$NETNS_TMP/pair-ac.out" &&
  pass "obt pair with an sct 8 device exits 1 and says it cannot hold the key" ||
  fail "pair a c: exit $rc: $(cat "$NETNS_TMP/pair-ac.out")"
[[ -z $(creds_for "$a" "$c") ]] && pass "dev-a got no key for dev-c" || fail "dev-a holds a key for dev-c"

# Pairing: the key on stdout's last line (a file, never a terminal), both entries present.
rc=0
(umask 077 && netns_exec obt "$obt" pair -v -v --store "$store" --interface eth0 --window 2000 -t 10 --show-key "$a" "$b" \
  >"$NETNS_TMP/pair.out" 2>"$NETNS_TMP/pair.err") || rc=$?
key=$(tail -n 1 "$NETNS_TMP/pair.out")
[[ $rc == 0 && $key =~ ^[0-9a-f]{32}$ ]] && pass "obt pair --show-key exits 0 with a 128-bit key" ||
  fail "pair: exit $rc: $(cat "$NETNS_TMP/pair.out" "$NETNS_TMP/pair.err")"
[[ $(grep -c "^paired" "$NETNS_TMP/pair.out") == 2 ]] && pass "obt pair reports both devices paired" ||
  fail "pair output: $(cat "$NETNS_TMP/pair.out")"
ca=$(creds_for "$a" "$b")
cb=$(creds_for "$b" "$a")
[[ -n $ca && -n $cb ]] && pass "obt creds: dev-a holds credid $ca for dev-b, dev-b credid $cb for dev-a" ||
  fail "obt creds after pairing: '$ca' '$cb' $(cat "$NETNS_TMP/creds.err")"
grep -q "credid $ca for $b" "$NETNS_TMP/pair.out" && pass "obt pair printed the credids the devices list" ||
  fail "pair credids: $(cat "$NETNS_TMP/pair.out")"
netns_exec obt "$obt" show --store "$store" --json "$a" >"$NETNS_TMP/show.json" 2>&1 || true
grep -q "pair-key-revealed" "$NETNS_TMP/show.json" && ! grep -q "$key" "$NETNS_TMP/show.json" &&
  pass "the audit log says the key was shown, never the key" || fail "audit: $(cat "$NETNS_TMP/show.json")"
wrong=$(python3 -c 'import sys; k = bytes.fromhex(sys.argv[1]); print((bytes([k[0] ^ 1]) + k[1:]).hex())' "$key")

# The key works over the real network: device A's session to B, served as A.
[[ $(psk "$a" "$key" dev-b /oic/sec/roles) == 0 ]] &&
  pass "as dev-a with the pairwise key: DTLS PSK session to dev-b, GET /oic/sec/roles 2.05 (served as dev-a)" ||
  fail "client with the key: $(tail -3 "$NETNS_TMP/client.out"); dev-b log: $(tail -5 "$NETNS_TMP/dev-b.log")"
[[ $(psk "$a" "$key" dev-b /oic/d) == 1 ]] &&
  pass "as dev-a: GET /oic/d refused over the session (no ACE for dev-a yet)" ||
  fail "GET /oic/d as dev-a: $(tail -1 "$NETNS_TMP/client.out")"
[[ $(psk "$b" "$key" dev-a /oic/sec/roles) == 0 ]] && pass "and the other way: dev-b to dev-a" ||
  fail "b to a: $(tail -1 "$NETNS_TMP/client.out")"
# Issue 6's "done when": A's client reads B's switch exactly as B's ACL allows (in RFNOP, where
# NCRs are served: digest 3.4 rule 2): refused before the ACE, 2.05 after obt acl allow.
obtq() { netns_exec obt "$obt" "$@" --store "$store" --interface eth0 --window 2000 -t 10 >>"$NETNS_TMP/obt.out" 2>&1; }
obtq state "$b" rfnop --yes || fail "obt state rfnop: $(tail -3 "$NETNS_TMP/obt.out")"
[[ $(psk "$a" "$key" dev-b /switch) == 1 ]] && pass "as dev-a: GET /switch on dev-b refused without an ACE (RFNOP)" ||
  fail "switch before the ACE: $(tail -1 "$NETNS_TMP/client.out")"
obtq state "$b" rfpro --yes && obtq acl allow "$a" "$b" /switch --perm R && obtq state "$b" rfnop --yes ||
  fail "obt acl allow / state: $(tail -5 "$NETNS_TMP/obt.out")"
[[ $(psk "$a" "$key" dev-b /switch) == 0 ]] && pass "after obt acl allow: dev-a reads dev-b's switch over the pairwise session" ||
  fail "switch after the ACE: $(tail -1 "$NETNS_TMP/client.out")"

obtq state "$b" rfpro --yes || fail "obt state rfpro: $(tail -3 "$NETNS_TMP/obt.out")"

[[ $(psk "$a" "$wrong" dev-b /oic/sec/roles) == 2 ]] && pass "a wrong key gets no session" ||
  fail "wrong key: $(tail -1 "$NETNS_TMP/client.out")"
[[ $(psk "$c" "$key" dev-b /oic/sec/roles) == 2 ]] && pass "another device's identity gets no session" ||
  fail "identity c: $(tail -1 "$NETNS_TMP/client.out")"

# Unpairing removes both entries; the key opens nothing any more.
rc=0
netns_exec obt "$obt" unpair --store "$store" --interface eth0 --window 2000 -t 10 "$a" "$b" >"$NETNS_TMP/unpair.out" 2>&1 || rc=$?
[[ $rc == 0 && $(grep -c "^unpaired" "$NETNS_TMP/unpair.out") == 2 ]] && pass "obt unpair exits 0 for both" ||
  fail "unpair: exit $rc: $(cat "$NETNS_TMP/unpair.out")"
[[ -z $(creds_for "$a" "$b") && -z $(creds_for "$b" "$a") ]] && pass "obt creds: the entries are gone" ||
  fail "entries after unpair"
[[ $(psk "$a" "$key" dev-b /oic/sec/roles) == 2 ]] && pass "the old key gets no session after unpair" ||
  fail "after unpair: $(tail -1 "$NETNS_TMP/client.out")"
netns_exec obt "$obt" creds --store "$store" --interface eth0 --window 2000 -t 10 "$a" >"$NETNS_TMP/creds.txt" 2>&1 &&
  grep -q "owner credential" "$NETNS_TMP/creds.txt" && pass "obt creds lists dev-a's owner credential" ||
  fail "obt creds: $(cat "$NETNS_TMP/creds.txt")"

# The same "done when" with device A's own client: ocf-device --request runs as dev-a (its stored
# identity and the pairwise key of a second pairing; dev-a's server is stopped from here on: one
# process per storage).
devreq() { # ACTION: dev-a's own request to dev-b's /switch; prints the exit status, logs the line
  local rc=0
  netns_exec dev "$device" --storage "$NETNS_TMP/dev-a.store" --request "$1" --cred psk \
    --to "coaps://[fd00::1]:${E2E_COAPS6[dev-b]}" --peer "$b" >"$NETNS_TMP/devreq.last" 2>&1 || rc=$?
  cat "$NETNS_TMP/devreq.last" >>"$NETNS_TMP/devreq.out"
  echo "$rc"
}
devreq_line() { tail -n 1 "$NETNS_TMP/devreq.last"; }
obtq pair "$a" "$b" || fail "pairing again: $(tail -5 "$NETNS_TMP/obt.out")"
e2e_stop_device dev-a
obtq acl list "$b" --json || fail "obt acl list: $(tail -3 "$NETNS_TMP/obt.out")"
r_ace=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{") and "aceid" in line:
        d = json.loads(line)
        if d.get("device") == sys.argv[2] and sys.argv[3] in json.dumps(d.get("subject")):
            print(d["aceid"])' "$NETNS_TMP/obt.out" "$b" "$a" | tail -n 1)
[[ -n $r_ace ]] || fail "no aceid for dev-a's R ACE on dev-b: $(tail -5 "$NETNS_TMP/obt.out")"
obtq state "$b" rfpro --yes && obtq acl remove "$b" "$r_ace" && obtq state "$b" rfnop --yes ||
  fail "obt acl remove: $(tail -5 "$NETNS_TMP/obt.out")"
[[ $(devreq get) == 3 ]] && devreq_line | grep -q "^code 4.01 auth psk" &&
  pass "dev-a's own client (stored pairwise key): GET dev-b's /switch refused (4.01, access denied) without an ACE" ||
  fail "own client GET before the ACE: $(cat "$NETNS_TMP/devreq.last")"
[[ $(devreq on) == 3 ]] && devreq_line | grep -q "^code 4.01" &&
  pass "dev-a's own client: POST /switch refused (4.01, access denied) without an ACE" || fail "own POST before: $(cat "$NETNS_TMP/devreq.last")"
obtq state "$b" rfpro --yes && obtq acl allow "$a" "$b" /switch --perm R && obtq state "$b" rfnop --yes ||
  fail "obt acl allow R: $(tail -5 "$NETNS_TMP/obt.out")"
r_ace=$(grep -o "aceid [0-9]*" "$NETNS_TMP/obt.out" | tail -n 1 | cut -d' ' -f2)
[[ $(devreq get) == 0 ]] && devreq_line | grep -q "^code 2.05 auth psk value false" &&
  pass "after an R ACE: dev-a's own client reads dev-b's switch (value false)" ||
  fail "own GET after R: $(cat "$NETNS_TMP/devreq.last")"
[[ $(devreq on) == 3 ]] && devreq_line | grep -q "^code 4.01" &&
  pass "after an R ACE: dev-a's POST is still refused (no U)" || fail "own POST after R: $(cat "$NETNS_TMP/devreq.last")"
obtq state "$b" rfpro --yes && obtq acl allow "$a" "$b" /switch --perm RU && obtq state "$b" rfnop --yes ||
  fail "obt acl allow RU: $(tail -5 "$NETNS_TMP/obt.out")"
ru_ace=$(grep -o "aceid [0-9]*" "$NETNS_TMP/obt.out" | tail -n 1 | cut -d' ' -f2)
[[ $(devreq on) == 0 ]] && devreq_line | grep -q "^code 2.04 auth psk" &&
  pass "after an RU ACE: dev-a's own client switches dev-b on (2.04)" ||
  fail "own POST after RU: $(cat "$NETNS_TMP/devreq.last")"
[[ $(devreq get) == 0 ]] && devreq_line | grep -q "value true" && pass "and reads it back: value true" ||
  fail "own GET after on: $(cat "$NETNS_TMP/devreq.last")"
obtq state "$b" rfpro --yes && obtq acl remove "$b" "$ru_ace" && obtq acl remove "$b" "$r_ace" &&
  obtq state "$b" rfnop --yes || fail "obt acl remove $ru_ace $r_ace: $(tail -5 "$NETNS_TMP/obt.out")"
[[ $(devreq get) == 3 ]] && devreq_line | grep -q "^code 4.01" &&
  pass "after obt acl remove: dev-a's own client is refused again (4.01)" ||
  fail "own GET after remove: $(cat "$NETNS_TMP/devreq.last")"
# Removal from the domain: obt unpair while dev-a is away removes dev-b's entry (dev-a is reported
# unreachable); dev-b then refuses dev-a's key: no session.
obtq state "$b" rfpro --yes || fail "obt state rfpro: $(tail -3 "$NETNS_TMP/obt.out")"
rc=0
netns_exec obt "$obt" unpair --store "$store" --interface eth0 --window 2000 -t 5 "$a" "$b" >"$NETNS_TMP/unpair2.out" 2>&1 || rc=$?
[[ $rc == 4 ]] && grep -q "^unpaired .*dev-b" "$NETNS_TMP/unpair2.out" &&
  pass "obt unpair with dev-a away: dev-b's entry removed, dev-a reported (exit 4)" ||
  fail "unpair with dev-a away: exit $rc: $(cat "$NETNS_TMP/unpair2.out")"
[[ $(devreq get) == 4 ]] && devreq_line | grep -q "^no session" &&
  pass "after the removal: dev-b refuses dev-a's own client its session (the key is gone on dev-b)" ||
  fail "own client after unpair: $(cat "$NETNS_TMP/devreq.last")"

for name in dev-b dev-c; do e2e_stop_device "$name"; done
# Issue 7 item 6: the key only where --show-key put it (pair.out's last line).
if python3 - "$key" "$NETNS_TMP"/*.log "$NETNS_TMP"/pair.err "$NETNS_TMP"/obt.out "$NETNS_TMP"/unpair.out \
  "$NETNS_TMP"/creds.txt "$NETNS_TMP"/show.json "$NETNS_TMP"/devreq.out "$store" <<'PY'; then
import base64, sys
k = bytes.fromhex(sys.argv[1])
forms = [k, k.hex().encode(), k.hex().upper().encode(), base64.b64encode(k).rstrip(b"=")]
leaks = ["%s holds the pairwise key (%r form)" % (p, f[:6]) for p in sys.argv[2:]
         for f in forms if f in open(p, "rb").read()]
print("\n".join(leaks))
sys.exit(1 if leaks else 0)
PY
  pass "no pairwise key in the device logs (debug level), obt's other outputs or the domain store"
else
  fail "the pairwise key leaked (see above)"
fi
e2e_finish
