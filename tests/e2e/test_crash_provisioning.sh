#!/usr/bin/env bash
# Crash safety of provisioning (issue 7 item 5), over real UDP and DTLS between network
# namespaces, with OCF_FAULT_KILL_AT_SEND=N (src/platform/posix/net.c: the process SIGKILLs
# itself instead of sending its Nth datagram, after whatever it committed): `obt pair dev-a
# dev-b` is killed at its 1st, 2nd, ... datagram until a run completes. After each kill a plain
# `obt pair` completes, each device then holds exactly one pairwise entry for the other,
# `obt unpair` exits 0, and the domain store passes PRAGMA integrity_check; after the last
# unpair neither device holds a pairwise entry. Prints the number of crash points. (The
# device's power cut at every datagram of an onboarding: test_crash_device.sh and test_hostile.)
# Usage: test_crash_provisioning.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v coap-client-notls >/dev/null 2>&1 || netns_skip "coap-client-notls not found (Debian libcoap3-bin)"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_crash_provisioning.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_crash_provisioning.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2
# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
# A short discovery window: a device that does not answer in time is reached at the address the
# store saw last.
net=(--store "$store" --interface eth0 --window 300 --timeout 5)
# Onboarding finds its devices by multicast, whose answers come after a random leisure.
disc=(--store "$store" --interface eth0 --window 3000 --timeout 5)
netns_exec obt "$obt" init --store "$store" --name "Crash provisioning" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"

integrity() {
  python3 - "$store" <<'PY'
import sqlite3, sys
con = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(con.execute("PRAGMA integrity_check").fetchone()[0])
PY
}
# owned_uuids NAME: the uuids the store holds as owned for devices of that /oic/d name
owned_uuids() {
  netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null |
    python3 -c 'import json,sys
print(" ".join(d["uuid"] for d in json.load(sys.stdin) if d["name"] == sys.argv[1] and d["state"] == "owned"))' "$1"
}
# pair_counts A B: "x y", the credtype 1 entries A holds for B and B for A (one obt creds --json)
pair_counts() {
  netns_exec obt "$obt" creds "${net[@]}" --json "$1" "$2" 2>>"$NETNS_TMP/creds.err" |
    python3 -c 'import json,sys
held = {}
for line in sys.stdin:
    try:
        d = json.loads(line)
        held[d["uuid"]] = d["creds"]
    except (ValueError, KeyError, TypeError):
        pass  # a device that could not be read: counted as holding nothing
a, b = sys.argv[1:]
n = lambda dev, peer: sum(1 for c in held.get(dev, []) if c["credtype"] == 1 and c["subject"] == peer)
print(n(a, b) if a in held else "?", n(b, a) if b in held else "?")' "$1" "$2" || true
}

# --- obt killed at every datagram of a pairing ---------------------------------------------
e2e_start_device dev-a dev --otm jw --sct 1 --log-level debug
e2e_start_device dev-b dev --otm jw --sct 1 --log-level debug
netns_exec obt "$obt" onboard --all --yes "${disc[@]}" >"$NETNS_TMP/onboard.out" 2>&1 ||
  netns_die "onboarding dev-a and dev-b: $(cat "$NETNS_TMP/onboard.out")"
a=$(owned_uuids dev-a) b=$(owned_uuids dev-b)
[[ -n $a && -n $b ]] || netns_die "dev-a/dev-b not owned: $(cat "$NETNS_TMP/onboard.out")"

pair_points=0
for ((n = 1; n <= 80; n++)); do
  rc=0
  netns_exec obt env OCF_FAULT_KILL_AT_SEND="$n" "$obt" pair "${net[@]}" "$a" "$b" >"$NETNS_TMP/pair-$n.out" 2>&1 || rc=$?
  if [[ $rc == 0 ]]; then
    pass "obt pair completes when its cut (datagram $n) lies beyond the pairing"
    break
  fi
  [[ $rc == 137 ]] || fail "pair cut at datagram $n: exit $rc, not SIGKILL: $(tail -3 "$NETNS_TMP/pair-$n.out")"
  pair_points=$((pair_points + 1))
  rc=0
  netns_exec obt "$obt" pair -v -v "${net[@]}" "$a" "$b" >"$NETNS_TMP/pair-$n.again" 2>&1 || rc=$?
  [[ $rc == 0 ]] || { fail "pair cut at datagram $n: pairing again failed: $(grep -v '^[DI] ' "$NETNS_TMP/pair-$n.again" | tail -3)"; cp -r "$NETNS_TMP" /tmp/crashprov-debug; }
  counts=$(pair_counts "$a" "$b")
  [[ $counts == "1 1" ]] || fail "pair cut at datagram $n: entries for each other (dev-a, dev-b): '$counts'"
  rc=0
  netns_exec obt "$obt" unpair "${net[@]}" "$a" "$b" >"$NETNS_TMP/unpair-$n.out" 2>&1 || rc=$?
  [[ $rc == 0 ]] || fail "pair cut at datagram $n: unpair exit $rc: $(tail -3 "$NETNS_TMP/unpair-$n.out")"
  [[ $(integrity) == ok ]] || fail "pair cut at datagram $n: integrity_check: $(integrity)"
done
netns_exec obt "$obt" unpair "${net[@]}" "$a" "$b" >"$NETNS_TMP/unpair-last.out" 2>&1 ||
  fail "the last unpair: $(tail -3 "$NETNS_TMP/unpair-last.out")"
[[ $(pair_counts "$a" "$b") == "0 0" ]] && pass "after the last unpair neither device holds a pairwise entry" ||
  fail "entries after the last unpair: $(pair_counts "$a" "$b")"
((pair_points > 10)) && pass "obt pair cut at each of its first $pair_points datagrams: every time paired again, then unpaired" ||
  fail "only $pair_points pairing crash points"
e2e_stop_device dev-a
e2e_stop_device dev-b

echo "crash points: obt pair cut at $pair_points datagrams"
e2e_finish
