#!/usr/bin/env bash
# Crash safety, the device's half (issue 7 item 5), over real UDP and DTLS between network
# namespaces, with the device's file store: `ocf-device --storage` is killed with SIGKILL while
# `obt onboard` claims it, right after it handles each secure datagram of the onboarding in turn
# (OCF_DEVICE_FAULT_KILL_AT=N:after: the handshake's flights and the ten requests over the DOC;
# what a request changed is saved, its answer never leaves). Then, for every point:
#   - the device died of signal 9 and restarts from its storage (on the ports it stored at its
#     first start, as `ocf-device --storage` does after a reboot);
#   - `obt onboard` ends, then `obt recover --yes` runs; the store passes SQLite's integrity check;
#   - no record is left "onboarding": the device is owned and recorded (the store's owned uuid is
#     the restarted device's di, and the device refuses doxm in the clear), or back in RFOTM
#     unowned with nothing owned in the store (recovery reset it over the owner session, or it
#     reset itself at the restart: an onboarding cut short in RFOTM);
#   - a device in RFOTM is claimed again by `obt onboard`: nothing lost.
# Prints the number of crash points covered. The in-process twin that cuts power before and
# after every datagram is test_hostile (tests/unit). Usage: test_crash_device.sh obt ocf-device
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v coap-client-notls >/dev/null 2>&1 || netns_skip "coap-client-notls not found (Debian libcoap3-bin)"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_crash_device.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_crash_device.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2
# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
# The system's python3 when there is one: a version manager's shim can take seconds per start.
py=$(command -v /usr/bin/python3 || command -v python3)
python3() { "$py" "$@"; }
integrity() {
  python3 - "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(con.execute("PRAGMA integrity_check").fetchone()[0])
PY
}
# states STORE: "uuid state" per device record
states() {
  netns_exec obt "$obt" devices --store "$1" --json 2>/dev/null |
    python3 -c 'import json,sys
for d in json.load(sys.stdin): print(d["uuid"], d["state"])'
}
ready_di() { # the di of the device's last "ready" line
  grep -o 'ready di=[0-9a-f-]*' "$NETNS_TMP/$1.log" | tail -1 | cut -d= -f2
}

# 3 handshake flights (ClientHello, ClientHello with the cookie, the client's key exchange and
# Finished) and the seven DOC requests (om, doxm-uuids, owner-credential, doxm-owner,
# acl2-rowneruuid, sdi, rfpro; ADR 0016).
# Every datagram is cut in process by test_hostile; here a representative set: the ClientHello
# with the cookie (2), the client's Finished flight (3), om (4), the owner credential (6), rfpro
# (10, the last).
points=(2 3 4 6 10)
covered=0
owned_after=0
rolled_back=0
for n in "${points[@]}"; do
  name=cut-$n
  store=$NETNS_TMP/$name.db
  netns_exec obt "$obt" init --store "$store" --name "Cut $n" --otm-policy jw >/dev/null 2>&1 ||
    netns_die "obt init failed"
  mkdir -p "$NETNS_TMP/$name.storage"
  export OCF_DEVICE_FAULT_KILL_AT=$n:after
  e2e_start_device "$name" dev --otm jw --session-idle 2 --storage "$NETNS_TMP/$name.storage"
  unset OCF_DEVICE_FAULT_KILL_AT
  pid=${E2E_PID[$name]}
  rc=0
  # --window 3000: a device answers multicast after a random leisure of up to 2 s (src/msg/msg.h)
  netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 3000 --timeout 2 \
    >"$NETNS_TMP/$name.onboard" 2>&1 || rc=$?
  drc=0
  sleep 0.5
  # still running (not a zombie): the onboarding never reached the cut; do not wait forever
  if [[ $(ps -o stat= -p "$pid" 2>/dev/null) == [^Z]* ]]; then
    fail "$n: the device was not killed; obt onboard exit $rc: $(tail -2 "$NETNS_TMP/$name.onboard")"
    kill -KILL "$pid"
    wait "$pid" || true
  else
    wait "$pid" || drc=$?
    [[ $drc == 137 ]] && covered=$((covered + 1)) || fail "$n: the device exit $drc, not SIGKILL; obt onboard exit $rc"
  fi
  # The power comes back: the same storage, and the ports it stored.
  ports_before=$(cat "$NETNS_TMP/$name.ports")
  e2e_start_device "$name" dev --otm jw --session-idle 2 --storage "$NETNS_TMP/$name.storage"
  [[ $(cat "$NETNS_TMP/$name.ports") == "$ports_before" ]] && pass "$n: the device is back on its ports ($ports_before)" ||
    fail "$n: ports before the cut '$ports_before', after '$(cat "$NETNS_TMP/$name.ports")'"
  sleep 3 # an onboarding connection the tool may still hold idles out
  rrc=0
  netns_exec obt "$obt" recover --yes --store "$store" --interface eth0 --window 1500 --timeout 3 \
    >"$NETNS_TMP/$name.recover" 2>&1 || rrc=$?
  [[ $rrc == 0 ]] && pass "$n: obt recover exits 0" || fail "$n: obt recover exit $rrc: $(cat "$NETNS_TMP/$name.recover")"
  [[ $(integrity "$store") == ok ]] && pass "$n: store integrity_check ok" ||
    fail "$n: integrity_check: $(integrity "$store")"
  st=$(states "$store")
  di=$(ready_di "$name")
  rec_uuid=$(awk '{print $1}' <<<"$st")
  owned=$(e2e_doxm_field "$name" owned) # no-answer: owned devices refuse doxm in the clear
  if [[ $st == *" owned"* ]]; then
    # Owned and recorded: the store's uuid is the device's, and the device is owned.
    [[ $rec_uuid == "$di" && $owned == no-answer ]] && pass "$n: owned and recorded" ||
      fail "$n: the store owns $rec_uuid, the device is $di (doxm owned=$owned)"
    owned_after=$((owned_after + 1))
  elif [[ $st == *onboarding* ]]; then
    fail "$n: obt recover left the record 'onboarding' (device $di, doxm owned=$owned): $(cat "$NETNS_TMP/$name.recover")"
  else
    # Nothing owned or interrupted in the store (a "failed" record holds no credential).
    [[ $owned == False ]] && pass "$n: back in RFOTM, unowned, not owned in the store" ||
      fail "$n: store '$st', device doxm owned=$owned"
    rolled_back=$((rolled_back + 1))
  fi
  if [[ $(e2e_doxm_field "$name" owned) == False ]]; then
    # Nothing lost: the device is claimed again.
    if netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 3000 \
      >"$NETNS_TMP/$name.again" 2>&1 && [[ $(states "$store") == *" owned"* ]]; then
      pass "$n: claimed again"
    else
      fail "$n: onboarding again: $(cat "$NETNS_TMP/$name.again")"
    fi
  fi
  e2e_stop_device "$name"
done
echo "device crash points covered: $covered of ${#points[@]} (SIGKILL after secure datagrams ${points[*]});" \
  "owned and recorded $owned_after, back in RFOTM $rolled_back, left 'onboarding' 0"
e2e_finish
