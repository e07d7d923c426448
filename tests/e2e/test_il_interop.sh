#!/usr/bin/env bash
# Interoperability with IoTivity-Lite (docs/INTEROP.md), opt-in: runs only when OCF_IL_DIR names
# an IoTivity-Lite CMake build tree made outside this repository (it must hold
# apps/simpleserver and onboarding_tool/onboarding_tool); otherwise exit 77 (skipped). This
# script never builds IoTivity-Lite; docs/INTEROP.md says how to.
#
# Between two network namespaces (host "dev" fd00::1, host "obt" fd00::2; netns.sh):
#   1. our obt onboards IL's simpleserver with Just Works, resets it (owner session over DTLS
#      with the Owner Credential), then onboards it again with Random PIN (the PIN read from
#      simpleserver's stdout);
#   2. IL's onboarding_tool, driven through its menu on stdin, onboards our ocf-device with
#      Just Works and another with Random PIN (the PIN from the device's --pin-file).
# Usage: test_il_interop.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
il=${OCF_IL_DIR:-}
[[ -n $il ]] || netns_skip "OCF_IL_DIR not set (an IoTivity-Lite build tree; docs/INTEROP.md)"
[[ -x $il/apps/simpleserver && -x $il/onboarding_tool/onboarding_tool ]] ||
  netns_skip "OCF_IL_DIR=$il has no apps/simpleserver or onboarding_tool/onboarding_tool"
command -v stdbuf >/dev/null 2>&1 || netns_skip "stdbuf not found (coreutils)"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_il_interop.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_il_interop.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"
obt=$(realpath "$obt") device=$(realpath "$device") # the test changes directories
il=$(cd "$OCF_IL_DIR" && pwd)

netns_setup
netns_add_host dev 1
netns_add_host obt 2

failures=0
pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# wait_for PATTERN FILE [S]: waits up to S seconds (default 20) for an extended regex in FILE.
wait_for() {
  local i
  for ((i = 0; i < ${3:-20} * 10; i++)); do
    grep -Eq -- "$1" "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# --- 1. our obt -> IL simpleserver -------------------------------------------------------------
export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
# IL keeps its state in ./simpleserver_creds (relative to its working directory).
mkdir -p "$NETNS_TMP/il-srv/simpleserver_creds"
cd "$NETNS_TMP/il-srv"
netns_spawn dev stdbuf -oL -eL "$il/apps/simpleserver" >"$NETNS_TMP/il-srv.log" 2>&1
cd "$NETNS_TMP"
netns_exec obt "$obt" init --store "$store" --name "IL interop" --otm-policy jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"

netns_exec obt "$obt" discover --interface eth0 --window 3000 --json >"$NETNS_TMP/discover.json" 2>&1 || true
grep -q '"oic.d.light"' "$NETNS_TMP/discover.json" && pass "obt discover finds IL simpleserver" ||
  fail "obt discover did not find IL simpleserver: $(cat "$NETNS_TMP/discover.json")"

# onboard_il OTM: one `obt onboard --all` with that OTM policy; prints the new uuid.
onboard_il() {
  local otm=$1
  rm -f "$NETNS_TMP/il.pin"
  if [[ $otm == rdp ]]; then
    # simpleserver prints "Random PIN: NNNNNNNN" on stdout when an OBT selects Random PIN.
    (wait_for 'Random PIN: [0-9]+' "$NETNS_TMP/il-srv.log" 30 &&
      grep -Eo 'Random PIN: [0-9]+' "$NETNS_TMP/il-srv.log" | tail -1 | awk '{printf "%s", $3}' \
        >"$NETNS_TMP/il.pin.tmp" && mv "$NETNS_TMP/il.pin.tmp" "$NETNS_TMP/il.pin") &
  fi
  netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 3000 --timeout 15 \
    --pin-file "$NETNS_TMP/il.pin" --json >"$NETNS_TMP/onboard-$otm.json" 2>"$NETNS_TMP/onboard-$otm.err" || true
  python3 - "$NETNS_TMP/onboard-$otm.json" "$otm" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "owned" and e.get("otm") == sys.argv[2]:
        print(e["uuid"])
PY
}

uuid=$(onboard_il jw)
if [[ -n $uuid ]]; then
  pass "obt onboards IL simpleserver with Just Works (uuid $uuid)"
else
  fail "Just Works onboarding of IL simpleserver: $(cat "$NETNS_TMP/onboard-jw.json" "$NETNS_TMP/onboard-jw.err")"
fi
if [[ -n $uuid ]] && netns_exec obt "$obt" reset "$uuid" --yes --store "$store" --interface eth0 \
  >"$NETNS_TMP/reset.out" 2>&1; then
  pass "obt resets IL simpleserver over the owner session"
else
  fail "obt reset of IL simpleserver: $(cat "$NETNS_TMP/reset.out" 2>/dev/null)"
fi
# IL applies a RESET 2 s after acknowledging it (its OC_PSTAT_RESET_DELAY_MS); then it is back
# in RFOTM and answers unowned discovery again.
sleep 3
netns_exec obt "$obt" init --store "$NETNS_TMP/rdp.db" --name "IL interop rdp" --otm-policy rdp \
  >"$NETNS_TMP/init-rdp.out" 2>&1 || netns_die "obt init (rdp) failed: $(cat "$NETNS_TMP/init-rdp.out")"
store=$NETNS_TMP/rdp.db
uuid=$(onboard_il rdp)
if [[ -n $uuid ]]; then
  pass "obt onboards IL simpleserver with Random PIN (uuid $uuid)"
else
  fail "Random PIN onboarding of IL simpleserver: $(cat "$NETNS_TMP/onboard-rdp.json" "$NETNS_TMP/onboard-rdp.err")"
fi

# --- 2. IL onboarding_tool -> our ocf-device ---------------------------------------------------
# il_obt OTM: starts our device and IL's onboarding_tool, feeds the menu, checks both sides.
il_obt() {
  local otm=$1 dir=$NETNS_TMP/il-obt-$1
  mkdir -p "$dir/onboarding_tool_creds"
  [[ -d $il/onboarding_tool/pki_certs ]] && cp -r "$il/onboarding_tool/pki_certs" "$dir/"
  netns_spawn dev "$device" --name "ours-$otm" --interface eth0 --otm jw,rdp --pin-file "$dir/dev.pin" \
    --log-level warn 2>"$dir/dev.log"
  local dev_pid=$NETNS_LAST_PID
  wait_for '^ocf-device: ready' "$dir/dev.log" || netns_die "ocf-device did not start: $(cat "$dir/dev.log")"
  mkfifo "$dir/in"
  exec 7<>"$dir/in" # read-write: opening the FIFO for the tool's stdin does not block
  cd "$dir" # IL keeps its state in ./onboarding_tool_creds and reads ./pki_certs
  netns_spawn obt stdbuf -oL -eL "$il/onboarding_tool/onboarding_tool" <"$dir/in" >"$dir/il.log" 2>&1
  local tool_pid=$NETNS_LAST_PID
  cd "$NETNS_TMP"
  wait_for 'Select option' "$dir/il.log" || netns_die "onboarding_tool did not start: $(tail "$dir/il.log")"
  echo 1 >&7 # discover unowned devices (link-local multicast)
  if ! wait_for 'Discovered unowned device' "$dir/il.log"; then
    fail "IL onboarding_tool ($otm): our ocf-device not discovered"
  else
    pass "IL onboarding_tool ($otm): discovers our ocf-device"
    sleep 3 # the discovery window: the tool lists what it heard so far
    if [[ $otm == jw ]]; then
      printf '8\n0\n' >&7
    else
      printf '9\n0\n' >&7 # ask the device for a PIN (doxm oxmsel = Random PIN)
      if netns_wait_for_file "$dir/dev.pin" 15; then
        printf '10\n0\n%s\n' "$(cat "$dir/dev.pin")" >&7
      else
        fail "IL onboarding_tool (rdp): our device showed no PIN"
      fi
    fi
    if wait_for 'Successfully performed OTM|ERROR performing' "$dir/il.log" 30 &&
      grep -q 'Successfully performed OTM' "$dir/il.log"; then
      pass "IL onboarding_tool ($otm): reports the OTM done"
    else
      fail "IL onboarding_tool ($otm): OTM failed: $(grep -v '^\[' "$dir/il.log" | tail -20)"
    fi
    wait_for '^ocf-device: state RFNOP' "$dir/dev.log" 10 &&
      pass "IL onboarding_tool ($otm): our device reached RFNOP" ||
      fail "IL onboarding_tool ($otm): our device did not reach RFNOP: $(cat "$dir/dev.log")"
  fi
  echo 99 >&7
  exec 7>&-
  netns_stop "$tool_pid"
  netns_stop "$dev_pid"
}
il_obt jw
il_obt rdp

echo "$failures failure(s)"
[[ $failures == 0 ]]
