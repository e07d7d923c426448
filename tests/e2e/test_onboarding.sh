#!/usr/bin/env bash
# End-to-end onboarding: `obt init` + `obt onboard --all` on host "obt" claims two ocf-device
# processes on host "dev" over real UDP and DTLS between network namespaces — one offering
# Just Works, one Random PIN (its PIN read from the file the device writes) — and leaves both
# in RFPRO (OBT 5.3.1 steps 1-12).
#
# Checked: before, libcoap's coap-client-notls (an independent CoAP stack) reads each device's
# doxm in the clear; after, the store lists both as owned under new uuids, each device's status
# lines say RFPRO and that uuid as its di, doxm is no longer served without DTLS, a second
# `obt onboard --all` finds nothing to claim (owned devices ignore owned=false discovery), and
# a device restarted from its --storage (after SIGTERM, and after kill -9) keeps its di and
# ownership. Multicast GET /oic/sec/doxm?owned=FALSE is answered by both before, by neither
# after. openssl s_client, with the tool's uuid as PSK identity and the owner PSK from
# `obt show --owner-key`, reads each device's doxm over DTLS. No owner PSK appears in any log
# (devices at debug level, obt -v -v), output or in the domain store file (issue 7 item 6).
# Usage: test_onboarding.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v coap-client-notls >/dev/null 2>&1 || netns_skip "coap-client-notls not found (Debian libcoap3-bin)"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_onboarding.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_onboarding.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
declare -A di
start_device() { # name otm
  # Debug logging: the secrets check at the end scans everything a device logs at its most verbose.
  e2e_start_device "$1" dev --otm "$2" --storage "$NETNS_TMP/$1.state" --pin-file "$NETNS_TMP/$1.pin" \
    --log-level debug
}
start_device dev-jw jw
start_device dev-rdp rdp

for name in dev-jw dev-rdp; do di[$name]=$(e2e_doxm_field "$name" deviceuuid); done

# unowned_answers: the deviceuuids in the answers to a multicast GET /oic/sec/doxm?owned=FALSE
# (coap-client-notls, NON, 4 s of listening on host obt's only link), one per line.
unowned_answers() {
  rm -f "$NETNS_TMP/mc.out"
  netns_exec obt coap-client-notls -N -B 4 -A 10000 "coap://[ff02::158]/oic/sec/doxm?owned=FALSE" \
    >"$NETNS_TMP/mc.out" 2>/dev/null || true
  python3 - "$NETNS_TMP/mc.out" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
for m in re.finditer(rb"deviceuuidx\$([0-9a-f-]{36})", data):
    print(m.group(1).decode())
PY
}
# CR 2640 (digest 1.7): unowned devices in RFOTM answer the multicast doxm?owned=FALSE.
answers=$(unowned_answers | sort)
expected=$(printf '%s\n' "${di[dev-jw]}" "${di[dev-rdp]}" | sort)
[[ $answers == "$expected" ]] && pass "multicast GET doxm?owned=FALSE: both unowned devices answer" ||
  fail "multicast doxm?owned=FALSE answers: '$answers', expected '$expected'"

# The tool's uuid is 16 printable bytes ("AAAAAAAAAAAAAAAA"): external clients take the PSK
# identity as text.
netns_exec obt "$obt" init --store "$store" --name "E2E lab" --otm-policy rdp,jw --uuid 41414141-4141-4141-4141-414141414141 >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"
obt_uuid=$(netns_exec obt "$obt" domain --store "$store" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["tool_uuid"])')

# The PIN file pattern: the devices write theirs under their own names; obt substitutes %u
# with the uuid it discovered, so link each device's uuid to its file.
ln -s "$NETNS_TMP/dev-rdp.pin" "$NETNS_TMP/${di[dev-rdp]}.pin"
if netns_exec obt "$obt" onboard -v -v --all --yes --store "$store" --interface eth0 --window 5000 \
  --pin-file "$NETNS_TMP/%u.pin" --json >"$NETNS_TMP/onboard.json" 2>"$NETNS_TMP/onboard.err"; then
  pass "obt onboard --all exits 0"
else
  fail "obt onboard --all exited $?"
  cat "$NETNS_TMP/onboard.err" "$NETNS_TMP/onboard.json"
fi
grep -q '"event": "done"' "$NETNS_TMP/onboard.json" && pass "a done event ends the JSON stream" ||
  fail "no done event in the JSON stream"

netns_exec obt "$obt" devices --store "$store" --json >"$NETNS_TMP/devices.json" 2>&1 || true
for name in dev-jw dev-rdp; do
  # The store's record of the device: owned, under the new uuid, the old one kept.
  new=$(python3 - "$NETNS_TMP/devices.json" "${di[$name]}" <<'PY'
import json, sys
for d in json.load(open(sys.argv[1])):
    if d.get("original_uuid") == sys.argv[2] and d.get("state") == "owned":
        print(d["uuid"])
PY
  )
  if [[ -n $new && $new != "${di[$name]}" ]]; then
    pass "$name: the store holds it as owned under a new uuid"
  else
    fail "$name: not owned in the store: $(cat "$NETNS_TMP/devices.json")"
    new=none
  fi
  # The device's side (its status lines): RFPRO reached, di = the uuid the tool gave it.
  grep -qx "ocf-device: state RFPRO" "$NETNS_TMP/$name.log" && pass "$name: the device reached RFPRO" ||
    fail "$name: no RFPRO in its log: $(cat "$NETNS_TMP/$name.log")"
  grep -qx "ocf-device: di $new" "$NETNS_TMP/$name.log" && pass "$name: its di is the store's uuid" ||
    fail "$name: di $new not in its log"
  # Out of RFOTM, the SVRs are served over DTLS only (digest 3.4 rule 6): plain doxm is refused.
  [[ $(e2e_doxm_field "$name" owned) == no-answer ]] && pass "$name: doxm no longer readable without DTLS" ||
    fail "$name: doxm still served in the clear"
  di[$name]=$new
done
# The PIN the device showed must not be echoed by the tool (a uuid may hold 8 digits in a row,
# so look for the PIN itself).
pin=$(head -n 1 "$NETNS_TMP/dev-rdp.pin")
[[ $pin =~ ^[0-9]{8}$ ]] && pass "dev-rdp: showed an 8-digit PIN" || fail "dev-rdp: PIN file holds '$pin'"
! grep -qF "$pin" "$NETNS_TMP/onboard.err" "$NETNS_TMP/onboard.json" && pass "the tool's output does not show the PIN" ||
  fail "the tool's output shows the PIN"

# Owned devices stay silent to the multicast doxm?owned=FALSE, whatever their ACEs say.
answers=$(unowned_answers)
[[ -z $answers ]] && pass "owned devices are silent to multicast doxm?owned=FALSE" ||
  fail "owned devices answered doxm?owned=FALSE: $answers"

# A second run claims nothing: both are ours now and no longer answer owned=false discovery.
netns_exec obt "$obt" onboard --all --yes --store "$store" --interface eth0 --window 1500 \
  >"$NETNS_TMP/again.out" 2>&1 && rc=0 || rc=$?
[[ $rc != 0 && $rc != 1 ]] && pass "a second onboard --all claims nothing (exit $rc)" ||
  { fail "a second onboard --all exited $rc"; cat "$NETNS_TMP/again.out"; }

# An external DTLS client no one here wrote (openssl s_client) proves each owner credential:
# PSK identity = the tool's 16 uuid bytes, key = the owner PSK the tool derived (obt show
# --owner-key), suite ECDHE-PSK-AES128-CBC-SHA256 (0xC037); it sends a CoAP GET /oic/sec/doxm
# (Accept 10000) and must get the device's doxm: owned, devowneruuid = the tool.
if command -v openssl >/dev/null 2>&1; then
  for name in dev-jw dev-rdp; do
    (umask 077 && netns_exec obt "$obt" show "${di[$name]}" --store "$store" --owner-key >"$NETNS_TMP/$name.psk") ||
      fail "$name: obt show --owner-key failed"
    key=$(cat "$NETNS_TMP/$name.psk")
    [[ $key =~ ^[0-9a-f]{32}$ ]] && pass "$name: a 16-byte owner PSK is stored" || fail "$name: owner key '$key'"
    # CON GET, mid 0x1234, Uri-Path oic/sec/doxm, Accept 10000
    { printf '\x40\x01\x12\x34\xb3oic\x03sec\x04doxm\x62\x27\x10'; sleep 3; } |
      netns_exec obt timeout 20 openssl s_client -dtls1_2 -quiet -connect "10.0.0.1:${E2E_COAPS4[$name]}" \
        -psk_identity AAAAAAAAAAAAAAAA -psk "$key" -cipher ECDHE-PSK-AES128-CBC-SHA256 \
        >"$NETNS_TMP/$name.sclient" 2>"$NETNS_TMP/$name.sclient.err" || true
    if python3 - "$NETNS_TMP/$name.sclient" <<'PY'; then
import sys
data = open(sys.argv[1], "rb").read()
ok = (b"owned\xf5" in data and b"devowneruuid\x78\x2441414141-4141-4141-4141-414141414141" in data
      and len(data) > 4 and data[1] == 0x45)  # 2.05 Content
sys.exit(0 if ok else 1)
PY
      pass "$name: openssl s_client with the owner PSK reads doxm (owned, devowneruuid = the tool)"
    else
      fail "$name: openssl s_client got: $(od -c "$NETNS_TMP/$name.sclient" | head -5) $(tail -3 "$NETNS_TMP/$name.sclient.err")"
    fi
  done
  # A wrong key is refused (the handshake fails; no answer).
  { printf '\x40\x01\x12\x35\xb3oic\x03sec\x04doxm'; sleep 2; } |
    netns_exec obt timeout 20 openssl s_client -dtls1_2 -quiet -connect "10.0.0.1:${E2E_COAPS4[dev-jw]}" \
      -psk_identity AAAAAAAAAAAAAAAA -psk 00112233445566778899aabbccddeeff -cipher ECDHE-PSK-AES128-CBC-SHA256 \
      >"$NETNS_TMP/wrong.sclient" 2>/dev/null || true
  ! grep -q "owned" "$NETNS_TMP/wrong.sclient" && pass "a wrong owner key reads nothing" || fail "a wrong key read doxm"
  # Issue 7 item 6: no owner PSK in anything the programs printed or logged at debug level (as
  # hex in either case, base64 or raw bytes), nor in the domain store (sealed at rest).
  if python3 - "$NETNS_TMP/dev-jw.psk" "$NETNS_TMP/dev-rdp.psk" -- "$NETNS_TMP"/*.log "$NETNS_TMP"/onboard.* \
    "$NETNS_TMP"/again.out "$NETNS_TMP"/init.out "$store" <<'PY'; then
import base64, sys
args = sys.argv[1:]
cut = args.index("--")
keys = [bytes.fromhex(open(p).read().strip()) for p in args[:cut]]
leaks = []
for path in args[cut + 1:]:
    data = open(path, "rb").read()
    for k in keys:
        forms = [k, k.hex().encode(), k.hex().upper().encode(), base64.b64encode(k).rstrip(b"=")]
        leaks += ["%s holds a key (%r form)" % (path, f[:6]) for f in forms if f in data]
print("\n".join(leaks))
sys.exit(1 if leaks else 0)
PY
    pass "no owner PSK in the logs (debug level), outputs or the domain store"
  else
    fail "an owner PSK leaked (see above)"
  fi
  grep -q "owner-key-revealed" <(netns_exec obt "$obt" show "${di[dev-jw]}" --store "$store") &&
    pass "revealing the owner key is in the audit log" || fail "no audit line for the revealed key"
else
  echo "SKIP: openssl not found: no external DTLS client check"
fi

# Ownership survives a restart from the device's storage: same di, not back in RFOTM.
netns_stop "${E2E_PID[dev-jw]}"
: >"$NETNS_TMP/dev-jw.log"
start_device dev-jw jw
for ((i = 0; i < 500; i++)); do grep -q "ready di=" "$NETNS_TMP/dev-jw.log" && break; sleep 0.01; done
grep -q "ready di=${di[dev-jw]} " "$NETNS_TMP/dev-jw.log" && [[ $(e2e_doxm_field dev-jw owned) == no-answer ]] &&
  pass "dev-jw: restarted from its storage with the same di, still owned" ||
  fail "dev-jw: after a restart: $(cat "$NETNS_TMP/dev-jw.log")"

# A power cut (kill -9) right after onboarding loses nothing: restarted from its storage, the
# Random PIN device has the same di and is still owned (silent to owned=false discovery).
kill -KILL "${E2E_PID[dev-rdp]}"
wait "${E2E_PID[dev-rdp]}" 2>/dev/null || true
: >"$NETNS_TMP/dev-rdp.log"
start_device dev-rdp rdp
for ((i = 0; i < 500; i++)); do grep -q "ready di=" "$NETNS_TMP/dev-rdp.log" && break; sleep 0.01; done
grep -q "ready di=${di[dev-rdp]} " "$NETNS_TMP/dev-rdp.log" && [[ -z $(unowned_answers) ]] &&
  pass "dev-rdp: after kill -9, restarted with the same di, still owned" ||
  fail "dev-rdp: after kill -9: $(cat "$NETNS_TMP/dev-rdp.log")"

for name in dev-jw dev-rdp; do e2e_stop_device "$name"; done
e2e_finish
