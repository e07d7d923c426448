#!/usr/bin/env bash
# Crash safety of onboarding (issue 5 item 5, issue 7 item 5), over real UDP and DTLS between
# network namespaces: for every step of OBT 5.3.1 (the DOTS step table: oxmsel .. rfpro),
# `obt onboard` is killed with SIGKILL the moment that step begins (OBT_FAULT_KILL_AT_STEP:
# the store has recorded the step, its request is not sent) while claiming a Just Works
# ocf-device. Afterwards:
#   - obt died of signal 9 and the store holds the device as an interrupted onboarding;
#   - the device, left with an abandoned onboarding connection, closes it after its
#     --session-idle and is back in RFOTM, unowned, without devowneruuid (digest 3.6);
#   - `obt recover --yes` resolves the record (forgets it, or resets the device first when the
#     owner credential may be on it) and exits 0;
#   - the domain store passes SQLite's integrity check, still unlocks, and `obt onboard` claims
#     the device again: it ends owned in the store and in RFPRO on the device.
# Then a device power cut (kill -9 of ocf-device) right after onboarding is covered by
# test_onboarding.sh; a power cut at every step is the next slice (see docs/HARDENING.md).
# Usage: test_crash_onboarding.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v coap-client-notls >/dev/null 2>&1 || netns_skip "coap-client-notls not found (Debian libcoap3-bin)"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_crash_onboarding.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_crash_onboarding.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2
# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
netns_exec obt "$obt" init --store "$store" --name "Crash lab" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"

# store_state UUID: the store's state for the device whose original or current uuid is UUID
store_state() {
  netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null |
    python3 -c 'import json,sys
u = sys.argv[1]
print(" ".join(d["state"] for d in json.load(sys.stdin) if u in (d["uuid"], d.get("original_uuid"))))' "$1"
}
integrity() {
  python3 - "$store" <<'PY'
import sqlite3, sys
con = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(con.execute("PRAGMA integrity_check").fetchone()[0])
PY
}

# get-doxm is not among them: obt onboard gives the engine discovery's doxm answer, so the step
# is skipped (S003 5.3.1 step 1; test_obt_onboard covers it).
steps=(oxmsel handshake om doxm-uuids owner-credential doxm-owner acl2-rowneruuid sdi rfpro)
idle=2
crash_points=0
for step in "${steps[@]}"; do
  name=crash-$step
  e2e_start_device "$name" dev --otm jw --session-idle "$idle"
  uuid=$(e2e_doxm_field "$name" deviceuuid)
  rc=0
  netns_exec obt env OBT_FAULT_KILL_AT_STEP="$step" "$obt" onboard --all --yes --store "$store" \
    --interface eth0 --window 3000 --timeout 10 >"$NETNS_TMP/$name.onboard" 2>&1 || rc=$?
  if [[ $rc == 137 ]]; then
    crash_points=$((crash_points + 1))
  else
    fail "$step: obt was not killed at the step (exit $rc): $(cat "$NETNS_TMP/$name.onboard")"
  fi
  [[ $(store_state "$uuid") == onboarding ]] && pass "$step: the store shows an interrupted onboarding" ||
    fail "$step: store state '$(store_state "$uuid")'"

  # The abandoned onboarding connection is closed after the idle time: back in a clean RFOTM.
  sleep $((idle + 1))
  owned=$(e2e_doxm_field "$name" owned)
  owner=$(e2e_doxm_field "$name" devowneruuid)
  [[ $owned == False && $owner == 00000000-0000-0000-0000-000000000000 ]] &&
    pass "$step: the device is unowned again (RFOTM, no owner)" ||
    fail "$step: device doxm owned=$owned devowneruuid=$owner; log: $(tail -5 "$NETNS_TMP/$name.log")"
  # A device that went through RESET has a new temporary uuid (digest 3.5).
  again=$(e2e_doxm_field "$name" deviceuuid)

  if netns_exec obt "$obt" recover --yes --store "$store" --interface eth0 --window 1500 --timeout 5 \
    >"$NETNS_TMP/$name.recover" 2>&1; then
    pass "$step: obt recover exits 0"
  else
    fail "$step: obt recover failed: $(cat "$NETNS_TMP/$name.recover")"
  fi
  [[ -z $(store_state "$uuid") ]] && pass "$step: the interrupted record is resolved" ||
    fail "$step: after recover the store says '$(store_state "$uuid")'"
  [[ $(integrity) == ok ]] && pass "$step: the domain store passes PRAGMA integrity_check" ||
    fail "$step: integrity_check: $(integrity)"

  # Nothing is lost: the store unlocks and the device is claimed again.
  if netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 3000 --json \
    >"$NETNS_TMP/$name.again" 2>&1; then
    pass "$step: onboarding again succeeds"
  else
    fail "$step: onboarding again: $(cat "$NETNS_TMP/$name.again")"
  fi
  [[ $(store_state "$again") == owned ]] && grep -qx "ocf-device: state RFPRO" "$NETNS_TMP/$name.log" &&
    pass "$step: owned in the store, RFPRO on the device" || fail "$step: not owned after onboarding again"
  e2e_stop_device "$name"
done
echo "crash points covered: $crash_points of ${#steps[@]} onboarding steps"
e2e_finish
