#!/usr/bin/env bash
# obt maintain end to end (issue 6 item 4, ADR 0025): on host "dev" two ocf-device processes
# with certificates (sct 9), on host "obt" the domain with its CA; A's certificate is revoked,
# B's expires in 20 days. Checked, each pass with `obt maintain --json` and each device's
# /oic/sec/crl read over its owner session (openssl s_client with the owner PSK):
#   1. the first pass signs a CRL and pushes it to both (crlid = its number);
#   2. a second pass changes nothing (no job, same number);
#   3. a pass with --now past nextUpdate signs a greater number and pushes it to both;
#   4. with B stopped, a pass (after a revocation) reaches A, reports B unreachable, exit 4;
#   5. with B started again, the next pass pushes to B only;
#   6. B's certificate, expiring within --renew-before, is renewed (A's revoked one is not), the
#      replaced one revoked and the CRL listing it pushed to both in the same pass;
#   7. --every 0 --rounds 2 runs two passes; --every 1h stops on SIGTERM after its pass.
# Usage: test_maintain.sh path/to/obt path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
command -v openssl >/dev/null 2>&1 || netns_skip "openssl not found"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_maintain.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_maintain.sh path/to/obt path/to/ocf-device}
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

export XDG_DATA_HOME=$NETNS_TMP/xdg
store=$NETNS_TMP/domain.db
tool=41414141-4141-4141-4141-414141414141
e2e_start_device dev-a dev --otm jw --sct 9 --storage "$NETNS_TMP/dev-a.state"
e2e_start_device dev-b dev --otm jw --sct 9 --storage "$NETNS_TMP/dev-b.state"

o() { netns_exec obt "$obt" "$@" --store "$store"; }
o init --name "Maint lab" --otm-policy jw --uuid "$tool" >"$NETNS_TMP/init.out" 2>&1 ||
  netns_die "obt init failed: $(cat "$NETNS_TMP/init.out")"
o ca init >"$NETNS_TMP/ca.out" 2>&1 || netns_die "obt ca init: $(cat "$NETNS_TMP/ca.out")"
o onboard --all --yes --interface eth0 --window 3000 >"$NETNS_TMP/onboard.out" 2>&1 ||
  netns_die "obt onboard failed: $(cat "$NETNS_TMP/onboard.out")"
o devices --json >"$NETNS_TMP/devices.json"
uuid_of() { python3 -c 'import json,sys; print([d["uuid"] for d in json.load(open(sys.argv[1])) if d["name"]==sys.argv[2]][0])' "$NETNS_TMP/devices.json" "$1"; }
di_a=$(uuid_of dev-a)
di_b=$(uuid_of dev-b)
[[ -n $di_a && -n $di_b ]] && pass "both devices onboarded" || netns_die "no uuids: $(cat "$NETNS_TMP/onboard.out")"
# Anonymous discovery of the owned devices (ADR 0016: an owned device answers none until an
# ACE allows it), so a restarted device is found on its new ephemeral coaps port.
for di in "$di_a" "$di_b"; do
  o acl add "$di" --subject conntype:anon-clear --res /oic/res,/oic/d,/oic/p --perm R --interface eth0 \
    --window 2000 >"$NETNS_TMP/acl.out" 2>&1 || netns_die "acl add: $(cat "$NETNS_TMP/acl.out")"
done
o cert issue "$di_a" --interface eth0 --window 2000 >"$NETNS_TMP/issue-a.out" 2>&1 ||
  netns_die "cert issue A: $(cat "$NETNS_TMP/issue-a.out")"
o cert issue "$di_b" --days 20 --interface eth0 --window 2000 >"$NETNS_TMP/issue-b.out" 2>&1 ||
  netns_die "cert issue B: $(cat "$NETNS_TMP/issue-b.out")"
o cert revoke "$di_a" --yes >"$NETNS_TMP/revoke.out" 2>&1 || netns_die "cert revoke A: $(cat "$NETNS_TMP/revoke.out")"
pass "certificates issued (B for 20 days), A's revoked"

# maintain NAME ARGS...: one obt maintain --json run, output in $NETNS_TMP/NAME.json; sets rc.
maintain() {
  local name=$1
  shift
  rc=0
  o maintain --json --interface eth0 --window 1500 "$@" >"$NETNS_TMP/$name.json" 2>"$NETNS_TMP/$name.err" || rc=$?
}
# check NAME PYTHON: runs PYTHON with `ev` = the events of NAME.json (a list of dicts); exit 0 = ok.
check() {
  python3 -c "import json,sys
ev=[json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
def of(kind): return [e for e in ev if e['event']==kind]
$2" "$NETNS_TMP/$1.json"
}
# crlid NAME: the crlid in NAME's /oic/sec/crl, read over the owner session (CoAP GET in DTLS PSK).
crlid() {
  local name=$1 di key
  di=$([[ $name == dev-a ]] && echo "$di_a" || echo "$di_b")
  key=$(o show "$di" --owner-key 2>/dev/null)
  { printf '\x40\x01\x12\x36\xb3oic\x03sec\x03crl\x62\x27\x10'; sleep 2; } |
    netns_exec obt timeout 20 openssl s_client -dtls1_2 -quiet -connect "10.0.0.1:${E2E_COAPS4[$name]}" \
      -psk_identity AAAAAAAAAAAAAAAA -psk "$key" -cipher ECDHE-PSK-AES128-CBC-SHA256 \
      >"$NETNS_TMP/$name-crl.bin" 2>/dev/null || true
  python3 - "$NETNS_TMP/$name-crl.bin" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\x65crlid")
if i < 0:
    print("none"); sys.exit(0)
b = d[i + 6]
n = {0x18: 1, 0x19: 2, 0x1a: 4}.get(b, 0)
print(b if b < 0x18 else int.from_bytes(d[i + 7:i + 7 + n], "big"))
PY
}

# 1. The first pass: a CRL (none yet), to both devices; no renewal within 7 days.
maintain p1 --once --renew-before 7d
n1=$(check p1 'c=of("crl")[0]; assert c["action"]=="signed" and c["reason"]=="none", c; print(c["number"])' 2>"$NETNS_TMP/p1.check") || n1=""
[[ $rc == 0 && -n $n1 ]] && pass "pass 1 signs CRL $n1 (exit 0)" || fail "pass 1: exit $rc $(cat "$NETNS_TMP/p1.check" "$NETNS_TMP/p1.json" "$NETNS_TMP/p1.err")"
check p1 'r=of("result"); assert len(r)==2 and all(x["outcome"]=="ok" and x["action"]=="crl push" for x in r), r
assert not of("unreachable") and of("pass-done")[0]["crl_pushed"]==2
c=[x for x in of("cert") if x["action"]=="not-renewed"]; assert len(c)==1, of("cert")' &&
  pass "pass 1 pushes it to both devices; A's revoked certificate is not renewed" || fail "pass 1 events: $(cat "$NETNS_TMP/p1.json")"
[[ $(crlid dev-a) == "$n1" && $(crlid dev-b) == "$n1" ]] && pass "GET /oic/sec/crl: both devices hold crlid $n1" ||
  fail "crlid after pass 1: A $(crlid dev-a), B $(crlid dev-b), expected $n1"

# 2. Nothing changed: nothing to do.
maintain p2 --once --renew-before 7d
[[ $rc == 0 ]] && check p2 'c=of("crl")[0]; assert c["action"]=="current" and c["number"]=='"${n1:-0}"', c
assert not of("result") and of("pass-done")[0]["crl_pushed"]==0' &&
  pass "pass 2 changes nothing (same CRL, no device contacted)" || fail "pass 2: exit $rc $(cat "$NETNS_TMP/p2.json" "$NETNS_TMP/p2.err")"

# 3. Past nextUpdate (91 days on): signed again with a greater number, pushed to both.
later=$(date -u -d '+91 days' +%Y-%m-%dT%H:%M:%SZ)
maintain p3 --once --no-renew --now "$later"
n3=$(check p3 'c=of("crl")[0]; assert c["action"]=="signed" and c["reason"]=="expired", c; print(c["number"])' 2>/dev/null) || n3=""
[[ $rc == 0 && -n $n3 && -n $n1 && $n3 -gt $n1 ]] && check p3 'assert of("pass-done")[0]["crl_pushed"]==2' &&
  pass "pass 3 at $later: CRL re-signed ($n1 -> $n3, expired) and pushed to both" ||
  fail "pass 3: exit $rc $(cat "$NETNS_TMP/p3.json" "$NETNS_TMP/p3.err")"
[[ $(crlid dev-a) == "$n3" && $(crlid dev-b) == "$n3" ]] && pass "GET /oic/sec/crl: both devices hold crlid $n3" ||
  fail "crlid after pass 3: A $(crlid dev-a), B $(crlid dev-b), expected $n3"

# 4. B stopped; a revocation makes a new CRL due: A gets it, B is reported and the pass exits 4.
mkdir -p "$NETNS_TMP/self"
o cert self --out "$NETNS_TMP/self" >/dev/null 2>&1 || fail "obt cert self"
tool_serial=$(openssl x509 -in "$NETNS_TMP/self/tool.crt" -noout -serial | cut -d= -f2)
o cert revoke "$tool_serial" --yes >/dev/null 2>&1 || fail "obt cert revoke $tool_serial"
e2e_stop_device dev-b
maintain p4 --once --no-renew --timeout 5
n4=$(check p4 'c=of("crl")[0]; assert c["reason"]=="revoked", c; print(c["number"])' 2>/dev/null) || n4=""
[[ $rc == 4 && -n $n4 ]] && check p4 'u=of("unreachable"); assert [x["uuid"] for x in u]==["'"$di_b"'"], u
d=of("pass-done")[0]; assert d["crl_pushed"]==1 and d["unreachable"]==1, d' &&
  pass "pass 4 with B stopped: CRL $n4 to A, B reported unreachable, exit 4" ||
  fail "pass 4: exit $rc $(cat "$NETNS_TMP/p4.json" "$NETNS_TMP/p4.err")"
[[ $(crlid dev-a) == "$n4" ]] && pass "A holds crlid $n4" || fail "A's crlid after pass 4: $(crlid dev-a)"

# 5. B back (same storage): the next pass pushes to B only.
e2e_start_device dev-b dev --otm jw --sct 9 --storage "$NETNS_TMP/dev-b.state"
maintain p5 --once --no-renew --timeout 20
[[ $rc == 0 ]] && check p5 'assert of("crl")[0]["action"]=="current"
r=of("result"); assert [x["uuid"] for x in r]==["'"$di_b"'"] and r[0]["outcome"]=="ok", r' &&
  pass "pass 5: B, started again, gets the CRL; A is left alone" || fail "pass 5: exit $rc $(cat "$NETNS_TMP/p5.json" "$NETNS_TMP/p5.err")"
[[ $(crlid dev-b) == "$n4" ]] && pass "B holds crlid $n4" || fail "B's crlid after pass 5: $(crlid dev-b)"

# 6. B's certificate expires within 30 days: renewed (A's revoked one is not).
b_old_serial=$(o cert list "$di_b" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["serial"])')
maintain p6 --once --dry-run
[[ $rc == 0 ]] && check p6 'c=[x for x in of("cert") if x["uuid"]=="'"$di_b"'"]; assert c[0]["action"]=="would-renew", c
assert not of("result")' && pass "--dry-run lists B's certificate, contacts nothing" || fail "dry run: $(cat "$NETNS_TMP/p6.json")"
maintain p7 --once
n7=$(check p7 'r=of("result"); assert [(x["uuid"],x["action"],x["outcome"]) for x in r][0]==("'"$di_b"'","cert renew","ok"), r
c=of("crl")[0]; assert c["action"]=="signed" and c["reason"]=="revoked", c
d=of("pass-done")[0]; assert d["renewed"]==1 and d["crl_pushed"]==2, d
print(c["number"])' 2>"$NETNS_TMP/p7.check") || n7=""
[[ $rc == 0 && -n $n7 ]] && pass "pass 7 renews B's certificate, revokes the old one and pushes CRL $n7 to both" ||
  fail "pass 7: exit $rc $(cat "$NETNS_TMP/p7.check" "$NETNS_TMP/p7.json" "$NETNS_TMP/p7.err")"
[[ $(crlid dev-a) == "$n7" && $(crlid dev-b) == "$n7" ]] && pass "both devices hold crlid $n7" ||
  fail "crlid after pass 7: A $(crlid dev-a), B $(crlid dev-b), expected $n7"
# The CRL B holds lists B's replaced certificate (crldata decoded, read by openssl).
python3 - "$NETNS_TMP/dev-b-crl.bin" "$NETNS_TMP/b.crl" <<'PY' || true
import base64, sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\x67crldata")
h = d[i + 8]
n, o = (h & 0x1f, 1) if h & 0x1f < 24 else (int.from_bytes(d[i + 9:i + 9 + {24: 1, 25: 2}[h & 0x1f]], "big"), 1 + {24: 1, 25: 2}[h & 0x1f])
open(sys.argv[2], "wb").write(base64.b64decode(d[i + 8 + o:i + 8 + o + n]))
PY
openssl crl -inform DER -in "$NETNS_TMP/b.crl" -noout -text 2>/dev/null | tr -d ' :' | grep -qi "SerialNumber${b_old_serial}" &&
  pass "B's CRL lists its replaced certificate ($b_old_serial)" || fail "B's old serial $b_old_serial not in its CRL"
o cert list "$di_b" --json >"$NETNS_TMP/list-b.json"
python3 - "$NETNS_TMP/list-b.json" <<'PY' && pass "B now has a second identity certificate valid about 365 days, the first revoked" || fail "cert list B: $(cat "$NETNS_TMP/list-b.json")"
import json, sys
c = json.load(open(sys.argv[1]))
sys.exit(0 if len(c) == 2 and c[1]["days_left"] >= 364 and c[1]["status"] == "valid" and c[0]["status"] == "revoked" else 1)
PY

# 7. Daemon mode: two bounded passes doing nothing; a signal between passes stops it.
maintain p8 --every 0 --rounds 2
[[ $rc == 0 ]] && check p8 'd=of("pass-done"); assert [x["round"] for x in d]==[1,2] and not of("result"), d' &&
  pass "--every 0 --rounds 2: two passes, nothing left to do" || fail "rounds: exit $rc $(cat "$NETNS_TMP/p8.json" "$NETNS_TMP/p8.err")"
netns_spawn obt "$obt" maintain --json --store "$store" --interface eth0 --window 1500 --every 1h \
  >"$NETNS_TMP/p9.json" 2>"$NETNS_TMP/p9.err"
daemon=$NETNS_LAST_PID
for ((i = 0; i < 3000; i++)); do
  grep -q '"pass-done"' "$NETNS_TMP/p9.json" 2>/dev/null && break
  sleep 0.01
done
kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
[[ $rc == 0 ]] && check p9 'assert [e["event"] for e in ev][-1]=="stop" and len(of("pass"))==1' &&
  pass "--every 1h: SIGTERM after the first pass stops it cleanly (exit 0, stop event)" ||
  fail "daemon: exit $rc $(cat "$NETNS_TMP/p9.json" "$NETNS_TMP/p9.err")"

e2e_stop_device dev-a
e2e_stop_device dev-b
e2e_finish
