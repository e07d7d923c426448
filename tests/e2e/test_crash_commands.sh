#!/usr/bin/env bash
# Crash safety of the provisioning commands (issue 7 item 5: "kill -9 of obt at every step of
# onboarding and provisioning"), over real UDP and DTLS between network namespaces, with
# OCF_FAULT_KILL_AT_SEND=N (src/platform/posix/net.c: obt SIGKILLs itself instead of sending its
# Nth datagram, after whatever it committed). One command per run, killed at its 1st, 2nd, ...
# datagram until a run completes (at most 60 points):
#   acl      obt acl add DEV --subject conntype:anon-clear --res /switch --perm R
#   cert     obt cert issue DEV (identity certificate and trust anchor)
#   oscore   obt oscore pair A B (OSCORE pairwise contexts, credtype 64)
#   group    obt group create NAME --client A --server B (SSM contexts, credtypes 128/256)
#   onboard  obt onboard --all (the DOTS; obt recover resolves what the kill left)
# After each kill the command (for onboard: obt recover, then obt onboard) runs again and must
# exit 0; then the store passes PRAGMA integrity_check, device and store agree (one ACE, not two;
# one identity certificate and one trust anchor, each certificate on the device recorded; one
# OSCORE context per side, recorded; the group's contexts on the members and no others; the device
# owned in RFPRO under the uuid the store owns), and the next command works (acl remove, oscore
# unpair, group delete, obt reset leave nothing behind: no lockout). Prints
# "crash points: obt COMMAND cut at N datagrams". obt pair has its own loop
# (test_crash_provisioning.sh), the steps of an onboarding theirs (test_crash_onboarding.sh).
# OCF_CRASH_STRIDE=k cuts at every kth datagram only (quick local runs; default 1).
# Usage: test_crash_commands.sh acl|cert|oscore|group|onboard path/to/obt path/to/ocf-device
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v coap-client-notls >/dev/null 2>&1 || netns_skip "coap-client-notls not found (Debian libcoap3-bin)"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

what=${1:?usage: test_crash_commands.sh acl|cert|oscore|group|onboard path/to/obt path/to/ocf-device}
obt=${2:?usage: test_crash_commands.sh COMMAND path/to/obt path/to/ocf-device}
device=${3:?usage: test_crash_commands.sh COMMAND path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"
case $what in acl | cert | oscore | group | onboard) ;; *) netns_die "unknown command '$what'" ;; esac

netns_setup
netns_add_host dev 1
netns_add_host obt 2
# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
# The system's python3 when there is one: a version manager's shim can take seconds per start,
# and every point runs a dozen small checks.
py=$(command -v /usr/bin/python3 || command -v python3)
python3() { "$py" "$@"; }
store=$NETNS_TMP/domain.db
# A short window: a device that does not answer in time is reached at the address the store saw
# last (owned devices answer no anonymous discovery). IPv6 only: fewer datagrams, same paths.
net=(--store "$store" --interface eth0 --ipv6-only --window 300 --timeout 5)
disc=(--store "$store" --interface eth0 --ipv6-only --window 2500 --timeout 5)
netns_exec obt "$obt" init --store "$store" --name "Crash $what" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"

integrity() {
  python3 - "$store" <<'PY'
import sqlite3, sys
con = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(con.execute("PRAGMA integrity_check").fetchone()[0])
PY
}
# sql QUERY: rows of the store, one per line, columns separated by spaces (read-only).
sql() {
  python3 - "$store" "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in con.execute(sys.argv[2]):
    print(" ".join(str(v) for v in row))
PY
}
states() { # "uuid state" per device record
  netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null |
    python3 -c 'import json,sys
for d in json.load(sys.stdin): print(d["uuid"], d["state"])'
}
owned_uuid() { # NAME: the uuid the store owns for the device of that name
  netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null |
    python3 -c 'import json,sys
print(" ".join(d["uuid"] for d in json.load(sys.stdin) if d["name"] == sys.argv[1] and d["state"] == "owned"))' "$1"
}
# creds UUID...: one JSON object per device (obt creds --json); empty for a device not read.
creds() { netns_exec obt "$obt" creds "${net[@]}" --json "$@" 2>>"$NETNS_TMP/creds.err" || true; }
# count_creds DEV FILTER(python expression over c, dev): how many of DEV's credentials match.
count_creds() {
  python3 -c 'import json,sys
dev, expr = sys.argv[1:]
for line in sys.stdin:
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if d.get("uuid") == dev:
        print(sum(1 for c in d["creds"] if eval(expr)))
        sys.exit(0)
print("?")' "$1" "$2"
}
# current_di NAME: the device's uuid now (its "ready di=" line, or the last "di" change after it)
current_di() { grep -oE '(ready di=|: di )[0-9a-f-]{36}' "$NETNS_TMP/$1.log" | tail -1 | grep -oE '[0-9a-f-]{36}$'; }
last_lines() { grep -v '^[DI] ' "$1" | tail -3; }

# --- the devices --------------------------------------------------------------------------------
case $what in
acl) sct=1 ;;
cert) sct=9 ;;     # PSK + certificates
oscore) sct=65 ;;  # PSK + OSCORE pairwise
group) sct=385 ;;  # PSK + SSM client and server
onboard) sct=1 ;;
esac
e2e_start_device dev-a dev --otm jw --sct "$sct" --session-idle 2
if [[ $what == oscore || $what == group ]]; then
  e2e_start_device dev-b dev --otm jw --sct "$sct" --session-idle 2
fi
if [[ $what != onboard ]]; then
  netns_exec obt "$obt" onboard --all --yes "${disc[@]}" >"$NETNS_TMP/onboard.out" 2>&1 ||
    netns_die "onboarding: $(cat "$NETNS_TMP/onboard.out")"
  a=$(owned_uuid dev-a)
  [[ -n $a ]] || netns_die "dev-a not owned: $(cat "$NETNS_TMP/onboard.out")"
  b=
  if [[ $what == oscore || $what == group ]]; then
    b=$(owned_uuid dev-b)
    [[ -n $b ]] || netns_die "dev-b not owned: $(cat "$NETNS_TMP/onboard.out")"
  fi
fi
if [[ $what == cert ]]; then
  netns_exec obt "$obt" ca init --store "$store" >"$NETNS_TMP/ca.out" 2>&1 || netns_die "obt ca init: $(cat "$NETNS_TMP/ca.out")"
fi

# command N: the command under test at point N (its arguments)
command_args() {
  case $what in
  acl) echo acl add "$a" --subject conntype:anon-clear --res /switch --perm R "${net[@]}" ;;
  cert) echo cert issue "$a" "${net[@]}" ;;
  oscore) echo oscore pair "$a" "$b" "${net[@]}" ;;
  group) echo group create "g$1" --client "$a" --server "$b" "${net[@]}" ;;
  onboard) echo onboard --all --yes "${disc[@]}" ;;
  esac
}

# again N: what a user runs after the kill; exit status of the last command
again() {
  local n=$1 out=$NETNS_TMP/again-$1.out
  if [[ $what == onboard ]]; then
    sleep 2.5 # the abandoned onboarding connection idles out: the device resets (digest 3.6)
    netns_exec obt "$obt" recover --yes "${net[@]}" >"$out.recover" 2>&1 ||
      { fail "$n: obt recover: $(last_lines "$out.recover")"; return 1; }
    [[ $(states) != *onboarding* ]] || { fail "$n: a record is still 'onboarding' after obt recover"; return 1; }
    grep -q '^owned ' "$out.recover" && completed=$((completed + 1))
    # owned already: the kill came after the final commit, or recovery found the device finished
    [[ $(states) == *" owned"* ]] && return 0
    reonboarded=$((reonboarded + 1))
  fi
  if [[ $what == group ]]; then
    case $(sql "SELECT created FROM oscore_groups WHERE name = 'g$n'") in
    "") ;;
    0) # interrupted (obt group list says so): delete what may be on the members, create again
      netns_exec obt "$obt" group delete "g$n" "${net[@]}" >"$out.delete" 2>&1 ||
        { fail "$n: group delete of the interrupted create: $(last_lines "$out.delete")"; return 1; }
      interrupted=$((interrupted + 1)) ;;
    *) return 0 ;; # committed before the kill: done (a second create of the name is refused)
    esac
  fi
  local rc=0 waited=0
  # shellcheck disable=SC2046 # the arguments are words without blanks
  netns_exec obt "$obt" $(command_args "$n") >"$out" 2>&1 || rc=$?
  # A tool killed in the middle of the DTLS handshake leaves the device's side of it open until
  # the device gives up on it (the handshake limit, up to 60 s): meanwhile it refuses oxmsel
  # (one onboarding at a time, digest 3.6), then resets — also between the rerun's discovery and
  # its first request, which then finds another deviceuuid ("it was reset?"). Consistent all
  # along; try again.
  while [[ $what == onboard && $rc != 0 && $waited -lt 75 ]] &&
    grep -Eq 'at step oxmsel|another deviceuuid than discovery saw' "$out"; do
    ((waited == 0)) && handshake_waits=$((handshake_waits + 1))
    sleep 5
    waited=$((waited + 5))
    rc=0
    # shellcheck disable=SC2046
    netns_exec obt "$obt" $(command_args "$n") >"$out" 2>&1 || rc=$?
  done
  ((waited == 0)) || echo "  $n: the device took oxmsel again after ${waited} s"
  return $rc
}

# check N: device and store agree after the rerun; then the next command leaves things clean
check() {
  local n=$1 c got
  case $what in
  acl)
    got=$(netns_exec obt "$obt" acl list "$a" "${net[@]}" --json 2>/dev/null |
      python3 -c 'import json,sys
ids = []
for line in sys.stdin:
    d = json.loads(line)
    if d.get("subject") == "conntype:anon-clear" and d.get("permission") == 2 and d.get("resources") == ["/switch"]:
        ids.append(str(d["aceid"]))
print(" ".join(ids))' 2>/dev/null || true)
    [[ $got =~ ^[0-9]+$ ]] && pass "$n: one ACE (aceid $got)" || fail "$n: the ACEs added: '$got'"
    for id in $got; do
      netns_exec obt "$obt" acl remove "$a" "$id" "${net[@]}" >"$NETNS_TMP/remove-$n.out" 2>&1 ||
        fail "$n: acl remove $id: $(last_lines "$NETNS_TMP/remove-$n.out")"
    done
    ;;
  cert)
    c=$(creds "$a")
    got="$(count_creds "$a" 'c["usage"] == "oic.sec.cred.cert"' <<<"$c") $(count_creds "$a" 'c["usage"] == "oic.sec.cred.trustca"' <<<"$c")"
    [[ $got == "1 1" ]] && pass "$n: one identity certificate and one trust anchor" ||
      fail "$n: identity certificates, trust anchors on the device: '$got'"
    # the certificate on the device is the last one issued for it (each one is recorded before
    # it goes out), and it is not revoked
    got=$(sql "SELECT COUNT(*) FROM certs WHERE revoked = 0")
    [[ $got -ge 1 ]] && pass "$n: the store records the certificates ($got)" || fail "$n: certificate records: $got"
    ;;
  oscore)
    c=$(creds "$a" "$b")
    got="$(count_creds "$a" "c['credtype'] == 64 and c['subject'] == '$b'" <<<"$c") $(count_creds "$b" "c['credtype'] == 64 and c['subject'] == '$a'" <<<"$c")"
    [[ $got == "1 1" ]] && pass "$n: one OSCORE context on each side" || fail "$n: OSCORE contexts (a, b): '$got'"
    # recorded: the store's sender ids are the devices' own
    local rec dev_ids
    rec=$(sql "SELECT sender_a, sender_b FROM oscore_pairs" | tr ' ' '\n' | sort | tr '\n' ' ')
    dev_ids="$(python3 -c 'import json,sys
a, b = sys.argv[1:]
ids = {}
for line in sys.stdin:
    d = json.loads(line)
    for cr in d["creds"]:
        if cr["credtype"] == 64:
            ids[d["uuid"]] = cr["oscore"]["senderid"]
print(" ".join(sorted([ids.get(a, "?"), ids.get(b, "?")])) + " ")' "$a" "$b" <<<"$c")"
    [[ ${rec,,} == "${dev_ids,,}" ]] && pass "$n: the store records the contexts" ||
      fail "$n: store '$rec', devices '$dev_ids'"
    # unpair removes every credtype 64 context for the peer, recorded or not: checked once, after
    # the last point (a read per point would cost a fifth of the run)
    netns_exec obt "$obt" oscore unpair "$a" "$b" "${net[@]}" >"$NETNS_TMP/unpair-$n.out" 2>&1 ||
      fail "$n: oscore unpair: $(last_lines "$NETNS_TMP/unpair-$n.out")"
    [[ -z $(sql "SELECT sender_a FROM oscore_pairs") ]] || fail "$n: a pair is still recorded after unpair"
    ;;
  group)
    c=$(creds "$a" "$b")
    got="$(count_creds "$a" 'c["credtype"] == 128' <<<"$c") $(count_creds "$b" 'c["credtype"] == 256' <<<"$c")"
    [[ $got == "1 1" ]] && pass "$n: one SSM context on each member" || fail "$n: SSM contexts (client, server): '$got'"
    netns_exec obt "$obt" group delete "g$n" "${net[@]}" >"$NETNS_TMP/delete-$n.out" 2>&1 ||
      fail "$n: group delete: $(last_lines "$NETNS_TMP/delete-$n.out")"
    c=$(creds "$a" "$b")
    got="$(count_creds "$a" 'c["credtype"] in (128, 256)' <<<"$c") $(count_creds "$b" 'c["credtype"] in (128, 256)' <<<"$c")"
    [[ $got == "0 0" ]] && pass "$n: no SSM context left after group delete" ||
      fail "$n: SSM contexts after group delete (client, server): '$got'"
    [[ -z $(sql "SELECT name FROM oscore_groups") ]] || fail "$n: groups in the store after delete: $(sql "SELECT name FROM oscore_groups")"
    ;;
  onboard)
    local st di
    # a "failed" record (an attempt refused while an abandoned handshake held the device) holds
    # no credential: not part of the agreement
    st=$(states | grep -v ' failed$' || true)
    di=$(current_di dev-a)
    [[ $st == "$di owned" && $(e2e_doxm_field dev-a owned) == no-answer ]] && pass "$n: owned and recorded" ||
      fail "$n: store '$st', device $di (doxm owned=$(e2e_doxm_field dev-a owned))"
    netns_exec obt "$obt" reset "$di" --yes "${net[@]}" >"$NETNS_TMP/reset-$n.out" 2>&1 ||
      fail "$n: obt reset: $(last_lines "$NETNS_TMP/reset-$n.out")"
    # the next point's onboarding finds the device unowned again (doxm?owned=FALSE)
    [[ -z $(states | grep -v ' failed$') ]] || fail "$n: after obt reset: '$(states)'"
    ;;
  esac
  [[ $(integrity) == ok ]] && pass "$n: store integrity_check ok" || fail "$n: integrity_check: $(integrity)"
}

points=0
interrupted=0
completed=0
reonboarded=0
handshake_waits=0
started=$(date +%s)
stride=${OCF_CRASH_STRIDE:-1} # every datagram unless told otherwise (quick local runs)
[[ $stride =~ ^[1-9][0-9]*$ ]] || netns_die "OCF_CRASH_STRIDE must be a positive number"
for ((n = 1; n <= 60; n += stride)); do
  rc=0
  # shellcheck disable=SC2046
  netns_exec obt env OCF_FAULT_KILL_AT_SEND="$n" "$obt" $(command_args "$n") >"$NETNS_TMP/cut-$n.out" 2>&1 || rc=$?
  if [[ $rc == 0 ]]; then
    pass "obt $what completes when its cut (datagram $n) lies beyond it"
    check "$n"
    break
  fi
  [[ $rc == 137 ]] || fail "$n: exit $rc, not SIGKILL: $(last_lines "$NETNS_TMP/cut-$n.out")"
  points=$((points + 1))
  rc=0
  again "$n" || rc=$?
  [[ $rc == 0 ]] && pass "$n: obt $what again exits 0" ||
    fail "$n: obt $what again: exit $rc: $(last_lines "$NETNS_TMP/again-$n.out")"
  check "$n"
done
if [[ $what == oscore ]]; then
  c=$(creds "$a" "$b")
  got="$(count_creds "$a" 'c["credtype"] == 64' <<<"$c") $(count_creds "$b" 'c["credtype"] == 64' <<<"$c")"
  [[ $got == "0 0" ]] && pass "no OSCORE context left after the last unpair" || fail "OSCORE contexts after the last unpair: '$got'"
fi
((points * stride >= 5)) && pass "obt $what cut at $points of its datagrams (stride $stride)" || fail "only $points crash points"
e2e_stop_device dev-a
[[ $what == oscore || $what == group ]] && e2e_stop_device dev-b
[[ $what == onboard ]] && echo "onboardings completed by obt recover (the device had finished): $completed, onboarded again: $reonboarded (after waiting for an abandoned handshake: $handshake_waits)"
[[ $what == group ]] && echo "group creates left 'interrupted' by the kill (then deleted and created again): $interrupted"
echo "crash points: obt $what cut at $points datagrams ($(($(date +%s) - started)) s)"
e2e_finish
