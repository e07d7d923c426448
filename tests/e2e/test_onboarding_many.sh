#!/usr/bin/env bash
# End-to-end onboarding at scale: `obt onboard --all --jobs 8` claims 24 devices hosted by two
# ocf-device processes (--count 12 each) on host "dev", over real UDP and DTLS between network
# namespaces: one process offers Just Works, the other Random PIN (each device writes its PIN
# to a file named after its uuid, which obt reads with --pin-file %u).
#
# Checked: every device of both processes answers discovery (24 multicast sockets bound to
# 5683 in one host, SO_REUSEPORT: each gets its copy of the group datagrams); obt reports 24
# owned and no failure; the store lists all 24 as owned under new uuids; every device's status
# lines say RFPRO and its new di; each process wrote one port line per device and one storage
# directory per device. Prints the wall time and the requests per device from the --json events
# (informational: nothing is asserted on time).
# Usage: test_onboarding_many.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_onboarding_many.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_onboarding_many.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

per_process=12
total=$((2 * per_process))

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
mkdir -p "$NETNS_TMP/pins"
for group in jw rdp; do
  netns_spawn dev "$device" --count "$per_process" --name "many-$group" --interface eth0 --otm "$group" \
    --port-file "$NETNS_TMP/$group.ports" --storage "$NETNS_TMP/$group.state" \
    --pin-file "$NETNS_TMP/pins/%u.pin" --log-level warn 2>>"$NETNS_TMP/$group.log"
  E2E_PID[$group]=$NETNS_LAST_PID
done
for group in jw rdp; do
  netns_wait_for_file "$NETNS_TMP/$group.ports"
  lines=$(grep -cE '^coap6=[1-9][0-9]* coap4=[1-9][0-9]* coaps6=[1-9][0-9]* coaps4=[1-9][0-9]*$' \
    "$NETNS_TMP/$group.ports" || true)
  [[ $lines == "$per_process" ]] && pass "$group: the port file has one line per device" ||
    fail "$group: port file: $(cat "$NETNS_TMP/$group.ports")"
  ports=$(cut -d' ' -f1 "$NETNS_TMP/$group.ports" | sort -u | wc -l)
  [[ $ports == "$per_process" ]] && pass "$group: every device has its own coap port" ||
    fail "$group: shared ports: $(cat "$NETNS_TMP/$group.ports")"
  dirs=$(find "$NETNS_TMP/$group.state" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' | wc -l)
  [[ $dirs == "$per_process" ]] && pass "$group: one storage directory per device" ||
    fail "$group: $dirs storage directories"
done

netns_exec obt "$obt" init --store "$store" --name "E2E many" --otm-policy rdp,jw >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"

start=$(date +%s%N)
if netns_exec obt "$obt" onboard --all --yes --jobs 8 --store "$store" --interface eth0 --window 3000 \
  --pin-file "$NETNS_TMP/pins/%u.pin" --json >"$NETNS_TMP/onboard.json" 2>"$NETNS_TMP/onboard.err"; then
  pass "obt onboard --all --jobs 8 exits 0"
else
  fail "obt onboard --all exited $?"
  cat "$NETNS_TMP/onboard.err"
fi
end=$(date +%s%N)

# The events: owned count, and (printed, not asserted) the per-device request counts and times.
report=$(python3 - "$NETNS_TMP/onboard.json" "$total" <<'PY'
import json, sys
events = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
total = int(sys.argv[2])
owned = [e for e in events if e["event"] == "owned"]
failed = [e for e in events if e["event"] == "failed"]
done = [e for e in events if e["event"] == "done"]
first = {}
for e in events:
    if e["event"] == "step":
        first.setdefault(e["device"], e["t_ms"])
lat = sorted(e["t_ms"] - first[e["device"]] for e in owned if e["device"] in first)
reqs = sorted(e["requests"] for e in owned)
otms = sorted({e["otm"] for e in owned})
ok = len(owned) == total and not failed and len(done) == 1 and done[0]["owned"] == total
print("OK" if ok else "BAD")
print(f"owned {len(owned)} failed {len(failed)} otms {','.join(otms)}")
if reqs:
    print(f"requests per device: min {reqs[0]} max {reqs[-1]}")
if lat:
    print(f"per-device onboarding time: min {lat[0]} ms, median {lat[len(lat)//2]} ms, max {lat[-1]} ms")
if done:
    d = done[0]
    print(f"datagrams out {d['datagrams_out']} in {d['datagrams_in']} for {d['owned']} devices")
PY
)
echo "$report" | sed 1d | sed 's/^/  /'
echo "  wall time of obt onboard (discovery window 3 s included): $(((end - start) / 1000000)) ms"
[[ $(head -1 <<<"$report") == OK ]] && pass "all $total devices owned (both OTMs), no failure, one done event" ||
  { fail "not every device owned"; cat "$NETNS_TMP/onboard.err"; }

# The store's view: every device owned, under a uuid that is not its original one.
netns_exec obt "$obt" devices --store "$store" --json >"$NETNS_TMP/devices.json" 2>&1 || true
mapfile -t owned_uuids < <(python3 - "$NETNS_TMP/devices.json" <<'PY'
import json, sys
for d in json.load(open(sys.argv[1])):
    if d.get("state") == "owned" and d.get("uuid") != d.get("original_uuid"):
        print(d["uuid"])
PY
)
[[ ${#owned_uuids[@]} == "$total" ]] && pass "the store holds $total owned devices under new uuids" ||
  fail "the store holds ${#owned_uuids[@]} owned devices: $(cat "$NETNS_TMP/devices.json")"

# The devices' view: each one reached RFPRO and took a uuid the store holds.
bad=0
for group in jw rdp; do
  for ((i = 0; i < per_process; i++)); do
    log=$NETNS_TMP/$group.log
    new=$(sed -n "s/^ocf-device\[$i\]: di //p" "$log" | tail -1)
    if grep -qx "ocf-device\[$i\]: state RFPRO" "$log" && [[ -n $new ]] &&
      [[ " ${owned_uuids[*]} " == *" $new "* ]]; then # (no grep -q in a pipe: pipefail + SIGPIPE)
      continue
    fi
    fail "$group device $i: no RFPRO or unknown di ($new) in its log: $(grep -F "ocf-device[$i]:" "$log")"
    bad=$((bad + 1))
  done
done
[[ $bad == 0 ]] && pass "every device's log says RFPRO and a di the store holds"
grep -q "ocf-device\[0\]: PIN " "$NETNS_TMP/rdp.log" && ! grep -q "PIN" "$NETNS_TMP/jw.log" &&
  pass "only the Random PIN devices showed PINs" || fail "PIN lines: $(grep -h PIN "$NETNS_TMP"/*.log)"

for group in jw rdp; do
  e2e_stop_device "$group"
done
e2e_finish
