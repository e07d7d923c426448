#!/usr/bin/env bash
# End-to-end: two ocf-device processes on host "dev" and libcoap's coap-client-notls (an
# independent CoAP stack) on host "obt", over real UDP between network namespaces.
#
# For each device, unicast to the ports it wrote with --port-file: GET /oic/res and /oic/d with
# Accept 10000 (IPv6 and IPv4), GET /oic/d?if=oic.if.baseline, POST /switch; the CBOR answers
# are decoded here (a small decoder, python3 standard library) and checked: di (from the
# "ready" line), n, rt, the /oic/res links (anchor ocf://<di>, hrefs, eps with the device's
# ports and no IPv6 zone id: digest 1.4, pitfall 28). Multicast discovery is tested through
# `obt discover`. Finally SIGTERM must stop each device with exit status 0.
# Usage: test_device_discovery.sh path/to/ocf-device   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
command -v coap-client-notls >/dev/null 2>&1 || netns_skip "coap-client-notls not found (Debian libcoap3-bin)"
command -v python3 >/dev/null 2>&1 || netns_skip "python3 not found"
netns_enter "$here/$(basename "$0")" "$@"

device=${1:?usage: test_device_discovery.sh path/to/ocf-device}
[[ -x $device ]] || netns_die "not executable: $device"

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# check_cbor MODE FILE ARGS...: decodes FILE (one CBOR item) and checks it; prints what failed.
check_cbor() {
  python3 - "$@" <<'PY'
import sys

def decode(data):
    def item(pos):
        ib = data[pos]; major, ai = ib >> 5, ib & 0x1F; pos += 1
        if major == 7:
            simple = {20: False, 21: True, 22: None}
            if ai in simple: return simple[ai], pos
            raise ValueError("unexpected simple/float value %d" % ai)
        if ai == 31:
            if major not in (4, 5): raise ValueError("indefinite string")
            out = [] if major == 4 else {}
            while data[pos] != 0xFF:
                if major == 4:
                    v, pos = item(pos); out.append(v)
                else:
                    k, pos = item(pos); v, pos = item(pos); out[k] = v
            return out, pos + 1
        if ai < 24: arg = ai
        else:
            n = {24: 1, 25: 2, 26: 4, 27: 8}[ai]
            arg = int.from_bytes(data[pos:pos + n], "big"); pos += n
        if major == 0: return arg, pos
        if major == 1: return -1 - arg, pos
        if major == 2: return bytes(data[pos:pos + arg]), pos + arg
        if major == 3: return data[pos:pos + arg].decode("utf-8"), pos + arg
        if major in (4, 5):
            out = [] if major == 4 else {}
            for _ in range(arg):
                if major == 4:
                    v, pos = item(pos); out.append(v)
                else:
                    k, pos = item(pos)
                    if k in out: raise ValueError("duplicate key %r" % k)
                    v, pos = item(pos); out[k] = v
            return out, pos
        raise ValueError("tag %d" % arg)
    value, end = item(0)
    if end != len(data): raise ValueError("trailing bytes")
    return value

mode, path, args = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(path, "rb") as f:
    v = decode(f.read())
errors = []
def expect(cond, what):
    if not cond: errors.append(what)

if mode == "oic_d":          # di name
    di, name = args
    expect(isinstance(v, dict), "/oic/d is not a map: %r" % (v,))
    for key in ("n", "di", "icv", "dmv", "piid"):
        expect(isinstance(v.get(key), str), "/oic/d: %s missing or not text" % key)
    expect(v.get("di") == di, "/oic/d di %r, ready line said %s" % (v.get("di"), di))
    expect(v.get("n") == name, "/oic/d n %r, expected %s" % (v.get("n"), name))
elif mode == "oic_d_baseline":   # device-type
    expect(v.get("rt") == ["oic.wk.d", args[0]], "/oic/d rt %r" % (v.get("rt"),))
    expect(v.get("if") == ["oic.if.r", "oic.if.baseline"], "/oic/d if %r" % (v.get("if"),))
elif mode == "oic_res":      # di port scheme-prefix-of-a-global-ep
    di, port, global_ep = args
    expect(isinstance(v, list) and all(isinstance(l, dict) for l in v), "/oic/res is not a list of maps")
    hrefs = sorted(l.get("href") for l in v)
    svrs = ["/oic/sec/" + n for n in ("acl2", "ael", "cred", "crl", "doxm", "pstat", "roles", "sdi", "sp")]
    expect(hrefs == sorted(["/oic/d", "/oic/p", "/oic/res", "/switch"] + svrs), "/oic/res hrefs %r" % hrefs)
    for l in v:
        if l.get("href") in svrs and l.get("href") not in ("/oic/sec/doxm", "/oic/sec/pstat"):
            # digest 1.4: coaps eps only
            expect(l.get("eps") and all(e.get("ep", "").startswith("coaps://") for e in l.get("eps", [])),
                   "eps of %r" % l.get("href"))
            continue
        expect(l.get("anchor") == "ocf://" + di, "anchor %r" % l.get("anchor"))
        expect(isinstance(l.get("rt"), list) and isinstance(l.get("if"), list), "rt/if of %r" % l.get("href"))
        expect(l.get("p") == {"bm": 1}, "p of %r: %r" % (l.get("href"), l.get("p")))
        eps = [e.get("ep") for e in l.get("eps", [])]
        expect(global_ep in eps, "%s not among the eps %r" % (global_ep, eps))
        plain = [e for e in eps if e.startswith("coap://")]
        expect(all(e.endswith(":" + port) for e in plain), "coap eps %r not all on port %s" % (plain, port))
        expect(not any("%" in e for e in eps), "zone id in eps %r (pitfall 28)" % eps)
        if global_ep.startswith("coap://["):
            expect(any(e.startswith("coap://[fe80::") for e in eps), "no link-local ep in %r" % eps)
        else:
            expect(all(e.startswith(("coap://", "coaps://")) and "[" not in e for e in eps), "not IPv4 eps %r" % eps)
    d = [l for l in v if l.get("href") == "/oic/d"]
    expect(d and "oic.wk.d" in d[0].get("rt", []), "/oic/d link rt")
elif mode == "doxm":         # di
    expect(v.get("owned") is False, "doxm owned %r" % (v.get("owned"),))
    expect(v.get("deviceuuid") == args[0], "doxm deviceuuid %r, di %s (digest 1.5)" % (v.get("deviceuuid"), args[0]))
    expect(v.get("oxms") == [0], "doxm oxms %r" % (v.get("oxms"),))
    for key in ("oxmsel", "sct", "devowneruuid", "rowneruuid"):
        expect(key in v, "doxm: %s missing" % key)
elif mode == "switch":       # true|false
    expect(v == {"value": args[0] == "true"}, "/switch %r" % (v,))
else:
    errors.append("unknown mode " + mode)
for e in errors:
    print("  " + e)
sys.exit(1 if errors else 0)
PY
}

failures=0
pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# coap_get NAME URI [coap-client options]: response body into $NETNS_TMP/NAME.cbor
coap() {
  local name=$1 uri=$2
  shift 2
  rm -f "$NETNS_TMP/$name.cbor"
  netns_exec obt coap-client-notls -B 5 "$@" -o "$NETNS_TMP/$name.cbor" "$uri" >"$NETNS_TMP/$name.out" 2>&1 || true
  [[ -s $NETNS_TMP/$name.cbor ]]
}

# verify NAME WHAT MODE ARGS...: runs check_cbor on NAME.cbor and records the result
verify() {
  local name=$1 what=$2
  shift 2
  local out
  if out=$(check_cbor "$1" "$NETNS_TMP/$name.cbor" "${@:2}" 2>&1); then pass "$what"; else fail "$what"; echo "$out"; fi
}

declare -A pid di p6 p4
names=(dev-a dev-b)
for name in "${names[@]}"; do
  netns_spawn dev "$device" --name "$name" --interface eth0 --port-file "$NETNS_TMP/$name.ports" \
    --log-level warn 2>"$NETNS_TMP/$name.log"
  pid[$name]=$NETNS_LAST_PID
done
for name in "${names[@]}"; do
  netns_wait_for_file "$NETNS_TMP/$name.ports"
  ports=$(cat "$NETNS_TMP/$name.ports")
  [[ $ports =~ ^coap6=([0-9]+)\ coap4=([0-9]+)\ coaps6=[1-9][0-9]*\ coaps4=[1-9][0-9]*$ ]] ||
    netns_die "$name: bad port file: $ports"
  p6[$name]=${BASH_REMATCH[1]}
  p4[$name]=${BASH_REMATCH[2]}
  for ((i = 0; i < 500; i++)); do
    grep -q "ready di=" "$NETNS_TMP/$name.log" && break
    sleep 0.01
  done
  line=$(grep "ready di=" "$NETNS_TMP/$name.log") || netns_die "$name: no ready line: $(cat "$NETNS_TMP/$name.log")"
  [[ $line =~ di=([0-9a-f-]{36})\ name=$name\ coap6=${p6[$name]}\ coap4=${p4[$name]}\ coaps6=[0-9]+\ coaps4=[0-9]+$ ]] ||
    netns_die "$name: unexpected ready line: $line"
  di[$name]=${BASH_REMATCH[1]}
done
[[ ${di[dev-a]} != "${di[dev-b]}" ]] && pass "the two devices have different di" || fail "both devices have di ${di[dev-a]}"

for name in "${names[@]}"; do
  v6="coap://[fd00::1]:${p6[$name]}"
  v4="coap://10.0.0.1:${p4[$name]}"
  if coap "$name-res6" "$v6/oic/res" -A 10000; then
    verify "$name-res6" "$name: GET /oic/res over IPv6 lists its links and IPv6 eps" \
      oic_res "${di[$name]}" "${p6[$name]}" "coap://[fd00::1]:${p6[$name]}"
  else fail "$name: no answer to GET /oic/res over IPv6"; cat "$NETNS_TMP/$name-res6.out"; fi
  if coap "$name-res4" "$v4/oic/res" -A 10000; then
    verify "$name-res4" "$name: GET /oic/res over IPv4 lists IPv4 eps" \
      oic_res "${di[$name]}" "${p4[$name]}" "coap://10.0.0.1:${p4[$name]}"
  else fail "$name: no answer to GET /oic/res over IPv4"; cat "$NETNS_TMP/$name-res4.out"; fi
  for uri in "$v6/oic/d" "$v4/oic/d"; do
    if coap "$name-d" "$uri" -A 10000; then
      verify "$name-d" "$name: GET $uri has di and n" oic_d "${di[$name]}" "$name"
    else fail "$name: no answer to GET $uri"; cat "$NETNS_TMP/$name-d.out"; fi
  done
  if coap "$name-dbase" "$v6/oic/d?if=oic.if.baseline" -A 10000; then
    verify "$name-dbase" "$name: /oic/d baseline rt is oic.wk.d + oic.d.light" oic_d_baseline oic.d.light
  else fail "$name: no answer to GET /oic/d?if=oic.if.baseline"; fi
  if coap "$name-doxm" "$v6/oic/sec/doxm" -A 10000; then
    verify "$name-doxm" "$name: GET /oic/sec/doxm: unowned, deviceuuid = di" doxm "${di[$name]}"
  else fail "$name: no answer to GET /oic/sec/doxm"; cat "$NETNS_TMP/$name-doxm.out"; fi
  # An unowned device serves no NCR: /switch only in RFNOP over DTLS (digest 3.4): 4.01.
  printf '\xa1\x65value\xf5' >"$NETNS_TMP/on.cbor"
  coap "$name-post" "$v6/switch" -m post -t 10000 -A 10000 -f "$NETNS_TMP/on.cbor" || true
  if grep -q "4.01" "$NETNS_TMP/$name-post.out"; then pass "$name: POST /switch in the clear is 4.01"
  else fail "$name: POST /switch in the clear not refused"; cat "$NETNS_TMP/$name-post.out"; fi
done

# SIGTERM stops a device cleanly (exit status 0).
for name in "${names[@]}"; do
  kill -TERM "${pid[$name]}"
  rc=0
  wait "${pid[$name]}" || rc=$?
  if ((rc == 0)) && grep -q "ocf-device: stopped" "$NETNS_TMP/$name.log"; then
    pass "$name: SIGTERM stops it with status 0"
  else
    fail "$name: exit status $rc after SIGTERM"
    cat "$NETNS_TMP/$name.log"
  fi
done

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all device discovery checks passed"
