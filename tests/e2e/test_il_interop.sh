#!/usr/bin/env bash
# Interoperability with IoTivity-Lite (docs/INTEROP.md), opt-in: runs only when OCF_IL_DIR names
# an IoTivity-Lite CMake build tree made outside this repository (it must hold
# apps/simpleserver and onboarding_tool/onboarding_tool); otherwise exit 77 (skipped). This
# script never builds IoTivity-Lite; docs/INTEROP.md says how to.
#
# Between two network namespaces (host "dev" fd00::1, host "obt" fd00::2; netns.sh):
#   1. our obt onboards IL's simpleserver with Just Works; provisions it (issue 6): an ACE for
#      /a/light (and one with a validity period, which IL refuses), an identity certificate from
#      its CSR with the domain CA as trust anchor, a pairwise key with one of our ocf-devices,
#      RFNOP (where IL must accept a PSK session with the pairwise key and a certificate session
#      with our domain CA, and serve /a/light over both) and back to RFPRO, a CRL push (IL has no
#      /oic/sec/crl: skipped); resets it (owner session over DTLS with the Owner Credential),
#      then onboards it again with Random PIN (the PIN read from simpleserver's stdout);
#      then, when IL's server_certification_tests is built, onboards it with the manufacturer
#      certificate OTM (its chain from the test's PKI, whose root obt trusts);
#   2. IL's onboarding_tool, driven through its menu on stdin, onboards our ocf-device with
#      Just Works, another with Random PIN (the PIN from the device's --pin-file) and another
#      with the manufacturer certificate OTM (the test's root as IL's pki_certs/rootca1.pem).
# Usage: test_il_interop.sh path/to/obt path/to/ocf-device [path/to/psk_client]   (exit 77 = skipped)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/netns.sh
source "$here/netns.sh"
il=${OCF_IL_DIR:-}
[[ -n $il ]] || netns_skip "OCF_IL_DIR not set (an IoTivity-Lite build tree; docs/INTEROP.md)"
[[ -x $il/apps/simpleserver && -x $il/onboarding_tool/onboarding_tool ]] ||
  netns_skip "OCF_IL_DIR=$il has no apps/simpleserver or onboarding_tool/onboarding_tool"
command -v stdbuf >/dev/null 2>&1 || netns_skip "stdbuf not found (coreutils)"
command -v openssl >/dev/null 2>&1 || netns_skip "openssl not found (Debian openssl)"
netns_enter "$here/$(basename "$0")" "$@"

obt=${1:?usage: test_il_interop.sh path/to/obt path/to/ocf-device}
device=${2:?usage: test_il_interop.sh path/to/obt path/to/ocf-device}
client=${3:-} # psk_client (tests/e2e/psk_client.c): optional, for the pairwise-key session to IL
[[ -x $obt && -x $device ]] || netns_die "not executable: $obt or $device"
obt=$(realpath "$obt") device=$(realpath "$device") # the test changes directories
[[ -z $client ]] || client=$(realpath "$client")
il=$(cd "$OCF_IL_DIR" && pwd)

netns_setup
netns_add_host dev 1
netns_add_host obt 2

# shellcheck source=tests/e2e/e2e_lib.sh
source "$here/e2e_lib.sh"

# A manufacturer PKI of our own (IL's test certificates expired in 2019-2020; docs/INTEROP.md):
# root -> sub-CA -> OCF end-entity certificates (EKU 1.3.6.1.4.1.44924.1.6, digest 6.2).
pki=$NETNS_TMP/pki
mkdir -p "$pki"
pki_key() { openssl ecparam -name prime256v1 -genkey -noout -out "$pki/$1.key" 2>/dev/null; }
pki_sign() { # NAME ISSUER SUBJECT EXTENSIONS...: NAME.pem signed by ISSUER (self-signed: ISSUER = NAME)
  local name=$1 issuer=$2 subj=$3 ext
  shift 3
  printf '%s\n' "$@" subjectKeyIdentifier=hash >"$pki/$name.ext"
  [[ $issuer == "$name" ]] || echo "authorityKeyIdentifier=keyid" >>"$pki/$name.ext"
  openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr" 2>/dev/null
  if [[ $issuer == "$name" ]]; then
    openssl x509 -req -in "$pki/$name.csr" -signkey "$pki/$name.key" -sha256 -days 3650 \
      -extfile "$pki/$name.ext" -out "$pki/$name.pem" 2>/dev/null
  else
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$issuer.pem" -CAkey "$pki/$issuer.key" -CAcreateserial \
      -sha256 -days 365 -extfile "$pki/$name.ext" -out "$pki/$name.pem" 2>/dev/null
  fi
}
ee_ext=(basicConstraints=critical,CA:FALSE keyUsage=critical,digitalSignature,keyAgreement
  extendedKeyUsage=serverAuth,clientAuth,1.3.6.1.4.1.44924.1.6)
for k in root sub ours il; do pki_key $k; done
pki_sign root root "/O=Interop Mfg/CN=Interop Mfg Root" basicConstraints=critical,CA:TRUE \
  keyUsage=critical,keyCertSign,cRLSign
pki_sign sub root "/O=Interop Mfg/CN=Interop Mfg Sub CA" basicConstraints=critical,CA:TRUE,pathlen:0 \
  keyUsage=critical,keyCertSign,cRLSign
pki_sign ours sub "/O=Interop Mfg/CN=uuid:$(python3 -c 'import uuid; print(uuid.uuid4())')" "${ee_ext[@]}"
pki_sign il sub "/O=Interop Mfg/CN=$(python3 -c 'import uuid; print(uuid.uuid4())')" "${ee_ext[@]}"
cat "$pki/ours.pem" "$pki/sub.pem" >"$pki/ours.chain"
openssl verify -CAfile "$pki/root.pem" -untrusted "$pki/sub.pem" "$pki/ours.pem" "$pki/il.pem" >/dev/null ||
  netns_die "openssl does not verify the test PKI"
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
netns_exec obt "$obt" ca init --store "$store" >"$NETNS_TMP/ca.out" 2>&1 || netns_die "obt ca init: $(cat "$NETNS_TMP/ca.out")"

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
        # 8 requests: IL took the two combined updates; 12: it refused them and got the parts.
        print("  IL (%s): owned after %s requests" % (sys.argv[2], e.get("requests")), file=sys.stderr)
PY
}

uuid=$(onboard_il jw)
if [[ -n $uuid ]]; then
  pass "obt onboards IL simpleserver with Just Works (uuid $uuid)"
else
  fail "Just Works onboarding of IL simpleserver: $(cat "$NETNS_TMP/onboard-jw.json" "$NETNS_TMP/onboard-jw.err")"
fi

# --- 1b. our obt provisions the onboarded IL simpleserver (issue 6) ------------------------------
# obt_il ARGS...: one obt command against the domain store, from host "obt", pinned to eth0.
obt_il() { netns_exec obt "$obt" "$@" --store "$store" --interface eth0 --window 3000; }
# json_check FILE PYTHON: runs PYTHON with `d` = the list of JSON objects (one per line) in FILE.
json_check() {
  python3 - "$1" "$2" <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}
# il_sessions IL_UUID OURS: with IL simpleserver in RFNOP, the credentials obt provisioned carry
# sessions IL accepts, and its ACE lets them read /a/light (payload: state, power, name).
il_sessions() {
  local il_uuid=$1 ours=$2 out=$NETNS_TMP/prov port rc
  port=$(netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null | python3 -c '
import json, re, sys
d = [x for x in json.load(sys.stdin) if x["uuid"] == sys.argv[1]][0]
m = re.search(r"coaps://\[[^]]*\]:([0-9]+)", d["endpoints"])
print(m.group(1) if m else "")' "$il_uuid")
  [[ -n $port ]] || {
    fail "no coaps endpoint of IL simpleserver in the store"
    return
  }
  # 1. The pairwise key: a DTLS PSK session as our device (identity = its uuid, digest 8.2).
  if [[ -n $client && -n $ours && -n ${pair_key:-} ]]; then
    rc=0
    netns_exec obt "$client" --identity "$ours" --key "$pair_key" --peer "$il_uuid" \
      --to "coaps://[fd00::1]:$port" --path /a/light --timeout 10000 >"$out/psk.out" 2>&1 || rc=$?
    [[ $rc == 0 ]] && pass "IL simpleserver accepts a DTLS session with the pairwise key and serves /a/light" ||
      fail "pairwise-key session to IL simpleserver (port $port): exit $rc: $(cat "$out/psk.out")"
    rc=0
    netns_exec obt "$client" --identity "$ours" --key 00112233445566778899aabbccddeeff --peer "$il_uuid" \
      --to "coaps://[fd00::1]:$port" --path /a/light --timeout 5000 >"$out/psk-bad.out" 2>&1 || rc=$?
    [[ $rc == 2 ]] && pass "IL simpleserver refuses the session with a wrong key" ||
      fail "wrong-key session to IL simpleserver: exit $rc (expected 2): $(cat "$out/psk-bad.out")"
  fi
  # 2. The identity certificate: openssl as a client with a certificate of the domain CA.
  mkdir -p "$out/self"
  netns_exec obt "$obt" cert self --out "$out/self" --store "$store" >"$out/self.out" 2>&1 ||
    fail "obt cert self: $(cat "$out/self.out")"
  { printf '\x40\x01\x12\x34\xb1a\x05light'; sleep 3; } |
    netns_exec obt timeout 20 openssl s_client -dtls1_2 -connect "[fd00::1]:$port" \
      -cert "$out/self/tool.crt" -key "$out/self/tool.key" -CAfile "$out/self/ca.crt" -verify_return_error \
      -cipher 'ECDHE-ECDSA-AES128-CCM8:ECDHE-ECDSA-AES128-CCM:ECDHE-ECDSA-AES128-SHA256' \
      >"$out/cert.out" 2>"$out/cert.err" || true
  grep -aq "Verify return code: 0 (ok)" "$out/cert.out" && grep -aq "uuid:$il_uuid" "$out/cert.out" &&
    pass "IL simpleserver presents the identity certificate obt issued (CN uuid:$il_uuid), openssl verifies it" ||
    fail "certificate session to IL simpleserver: $(tail -5 "$out/cert.err") $(grep -a -E 'Verify|subject' "$out/cert.out" | head -3)"
  grep -aq "power" "$out/cert.out" &&
    pass "IL simpleserver takes our domain certificate (trust anchor) and serves /a/light over it" ||
    fail "no /a/light answer over the certificate session: $(od -c "$out/cert.out" | tail -5)"
}
provision_il() {
  local il_uuid=$1 out=$NETNS_TMP/prov rc
  mkdir -p "$out"
  # An ACE for simpleserver's /a/light (no validity period: IL refuses ACEs that carry one).
  obt_il acl add "$il_uuid" --subject conntype:auth-crypt --res /a/light --perm RU >"$out/acl-add.out" 2>&1 && rc=0 || rc=$?
  [[ $rc == 0 ]] && pass "obt acl add: IL simpleserver takes an ACE for /a/light" ||
    fail "obt acl add on IL simpleserver exited $rc: $(cat "$out/acl-add.out")"
  obt_il acl list "$il_uuid" --json >"$out/acl.json" 2>"$out/acl.err" || true
  json_check "$out/acl.json" 'any("/a/light" in json.dumps(a) and "auth-crypt" in json.dumps(a) for a in d)' &&
    pass "obt acl list: IL simpleserver holds the /a/light ACE" ||
    fail "obt acl list on IL simpleserver: $(cat "$out/acl.json" "$out/acl.err")"

  # An identity certificate from IL's /oic/sec/csr, and the domain CA as trust anchor.
  obt_il cert issue "$il_uuid" >"$out/issue.out" 2>&1 && rc=0 || rc=$?
  [[ $rc == 0 ]] && pass "obt cert issue: identity certificate from IL simpleserver's CSR" ||
    fail "obt cert issue on IL simpleserver exited $rc: $(cat "$out/issue.out")"
  obt_il creds "$il_uuid" --json >"$out/creds.json" 2>"$out/creds.err" || true
  json_check "$out/creds.json" 'any(c["credtype"] == 8 and c.get("usage") == "oic.sec.cred.cert" for c in d[0]["creds"])' &&
    pass "obt creds: IL simpleserver holds the identity certificate (credtype 8, oic.sec.cred.cert)" ||
    fail "no identity certificate in IL's creds: $(cat "$out/creds.json" "$out/creds.err")"
  json_check "$out/creds.json" 'any(c["credtype"] == 8 and c.get("usage") == "oic.sec.cred.trustca" for c in d[0]["creds"])' &&
    pass "obt creds: IL simpleserver holds the domain CA as trust anchor (oic.sec.cred.trustca)" ||
    fail "no trust anchor in IL's creds: $(cat "$out/creds.json")"

  # A pairwise key between IL simpleserver and one of our devices (onboarded now).
  e2e_start_device ours-pair dev --otm jw
  obt_il onboard --all --yes --json >"$out/onboard-ours.json" 2>&1 || true
  local ours
  ours=$(netns_exec obt "$obt" devices --store "$store" --json 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(d["uuid"] for d in json.load(sys.stdin) if d["name"] == "ours-pair" and d["state"] == "owned"))')
  if [[ -z $ours ]]; then
    fail "our ocf-device was not onboarded for pairing: $(cat "$out/onboard-ours.json")"
  else
    obt_il pair "$il_uuid" "$ours" --show-key >"$out/pair.out" 2>"$out/pair.err" && rc=0 || rc=$?
    pair_key=$(tail -1 "$out/pair.out")
    [[ $rc == 0 ]] && pass "obt pair: IL simpleserver and our ocf-device" ||
      fail "obt pair IL simpleserver + ocf-device exited $rc: $(cat "$out/pair.out" "$out/pair.err")"
    obt_il creds "$il_uuid" --json >"$out/creds2.json" 2>>"$out/creds.err" || true
    json_check "$out/creds2.json" "any(c['credtype'] == 1 and c['subject'] == '$ours' for c in d[0]['creds'])" &&
      pass "obt creds: IL simpleserver holds a credtype 1 key for our device" ||
      fail "no pairwise key on IL simpleserver: $(cat "$out/creds2.json")"
    obt_il creds "$ours" --json >"$out/creds3.json" 2>>"$out/creds.err" || true
    json_check "$out/creds3.json" "any(c['credtype'] == 1 and c['subject'] == '$il_uuid' for c in d[0]['creds'])" &&
      pass "obt creds: our device holds a credtype 1 key for IL simpleserver" ||
      fail "no pairwise key on our device: $(cat "$out/creds3.json")"
  fi

  # IL refuses a whole ACL update whose ACE has a validity period (it decodes "validity" as an
  # unknown ACE property: docs/INTEROP.md); obt reports the refusal and the ACL is unchanged.
  obt_il acl add "$il_uuid" --subject conntype:anon-clear --res /binaryswitch --perm R \
    --validity 20260101T000000Z/P30D >"$out/acl-validity.out" 2>&1 && rc=0 || rc=$?
  obt_il acl list "$il_uuid" --json >"$out/acl2.json" 2>>"$out/acl.err" || true
  [[ $rc == 1 ]] && grep -q "without --validity" "$out/acl-validity.out" && ! grep -q binaryswitch "$out/acl2.json" &&
    pass "an ACE with a validity period: IL refuses it, obt exits 1 advising to drop --validity, ACL unchanged" ||
    fail "ACE with validity on IL simpleserver: exit $rc: $(cat "$out/acl-validity.out" "$out/acl2.json")"

  # Normal operation and back.
  obt_il state "$il_uuid" rfnop --yes >"$out/rfnop.out" 2>&1 && rc=0 || rc=$?
  [[ $rc == 0 ]] && pass "obt state rfnop: IL simpleserver in normal operation" ||
    fail "obt state rfnop on IL simpleserver exited $rc: $(cat "$out/rfnop.out")"
  il_sessions "$il_uuid" "$ours"
  obt_il state "$il_uuid" rfpro --yes >"$out/rfpro.out" 2>&1 && rc=0 || rc=$?
  [[ $rc == 0 ]] && pass "obt state rfpro: IL simpleserver back in provisioning" ||
    fail "obt state rfpro on IL simpleserver exited $rc: $(cat "$out/rfpro.out")"

  # IL serves no /oic/sec/crl: obt crl push skips it, saying so, and still serves our device.
  obt_il crl push "$il_uuid" ${ours:+"$ours"} >"$out/crl.out" 2>&1 && rc=0 || rc=$?
  [[ $rc == 0 ]] && grep -q "$il_uuid .*skipped: no /oic/sec/crl" "$out/crl.out" &&
    pass "obt crl push: IL simpleserver (no /oic/sec/crl) skipped cleanly, exit 0" ||
    fail "obt crl push with IL simpleserver exited $rc: $(cat "$out/crl.out")"
  if [[ -n $ours ]]; then
    grep -q "$ours .*CRL installed" "$out/crl.out" && pass "obt crl push: our device in the same run takes the CRL" ||
      fail "obt crl push did not install the CRL on our device: $(cat "$out/crl.out")"
  fi
}
[[ -n $uuid ]] && provision_il "$uuid"

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

# --- 1c. our obt -> IL server_certification_tests, manufacturer certificate OTM ---------------------
# That IL sample reads its manufacturer chain from ./pki_certs/certification_tests_{ee,key,subca1,
# rootca1}.pem; IL's own files there expired in 2020, so it gets our test PKI's under those names.
# Optional: IL's default build of the three targets in docs/INTEROP.md does not include it.
if [[ -x $il/apps/server_certification_tests ]]; then
  mkdir -p "$NETNS_TMP/il-mfg/pki_certs" "$NETNS_TMP/il-mfg/server_certification_tests_creds"
  cp "$pki/il.pem" "$NETNS_TMP/il-mfg/pki_certs/certification_tests_ee.pem"
  cp "$pki/il.key" "$NETNS_TMP/il-mfg/pki_certs/certification_tests_key.pem"
  cp "$pki/sub.pem" "$NETNS_TMP/il-mfg/pki_certs/certification_tests_subca1.pem"
  cp "$pki/root.pem" "$NETNS_TMP/il-mfg/pki_certs/certification_tests_rootca1.pem"
  mkfifo "$NETNS_TMP/il-mfg/in"
  exec 8<>"$NETNS_TMP/il-mfg/in" # its menu reads stdin: an open FIFO that never ends
  cd "$NETNS_TMP/il-mfg"
  netns_spawn dev stdbuf -oL -eL "$il/apps/server_certification_tests" <"$NETNS_TMP/il-mfg/in" \
    >"$NETNS_TMP/il-mfg.log" 2>&1
  il_mfg_pid=$NETNS_LAST_PID
  cd "$NETNS_TMP"
  store=$NETNS_TMP/mfg.db
  netns_exec obt "$obt" init --store "$store" --name "IL interop mfg" --otm-policy mfgcert \
    >"$NETNS_TMP/init-mfg.out" 2>&1 || netns_die "obt init (mfgcert) failed: $(cat "$NETNS_TMP/init-mfg.out")"
  netns_exec obt "$obt" trust add --mfg "$pki/root.pem" --store "$store" >"$NETNS_TMP/trust-mfg.out" 2>&1 ||
    netns_die "obt trust add failed: $(cat "$NETNS_TMP/trust-mfg.out")"
  sleep 2 # its start-up
  uuid=$(onboard_il mfgcert)
  if [[ -n $uuid ]]; then
    pass "obt onboards IL server_certification_tests with the manufacturer certificate OTM (uuid $uuid)"
  else
    fail "mfgcert onboarding of IL server_certification_tests: $(cat "$NETNS_TMP/onboard-mfgcert.json" \
      "$NETNS_TMP/onboard-mfgcert.err") $(grep -v '^\[' "$NETNS_TMP/il-mfg.log" | tail -20)"
  fi
  echo 99 >&8
  exec 8>&-
  netns_stop "$il_mfg_pid"
else
  echo "SKIP: obt -> IL manufacturer certificate OTM: $il/apps/server_certification_tests not built"
fi

# --- 2. IL onboarding_tool -> our ocf-device ---------------------------------------------------
# il_obt OTM: starts our device and IL's onboarding_tool, feeds the menu, checks both sides.
il_obt() {
  local otm=$1 dir=$NETNS_TMP/il-obt-$1
  mkdir -p "$dir/onboarding_tool_creds"
  [[ -d $il/onboarding_tool/pki_certs ]] && cp -r "$il/onboarding_tool/pki_certs" "$dir/"
  local otm_args=(--otm jw,rdp --pin-file "$dir/dev.pin")
  if [[ $otm == mfgcert ]]; then
    otm_args=(--otm mfgcert --mfg-cert "$pki/ours.chain" --mfg-key "$pki/ours.key")
    # IL's tool installs ./pki_certs/rootca1.pem and rootca2.pem as manufacturer trust anchors
    # on its first start: ours in place of its first one.
    mkdir -p "$dir/pki_certs" && cp "$pki/root.pem" "$dir/pki_certs/rootca1.pem"
  fi
  netns_spawn dev "$device" --name "ours-$otm" --interface eth0 "${otm_args[@]}" --log-level warn 2>"$dir/dev.log"
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
    elif [[ $otm == mfgcert ]]; then
      printf '11\n0\n' >&7 # Manufacturer Certificate based OTM
    else
      printf '9\n0\n' >&7 # ask the device for a PIN (doxm oxmsel = Random PIN)
      # Both: our device wrote the PIN, and IL has the answer to its oxmsel POST (on a loaded
      # machine that answer can come after the PIN file; an OTM started before it fails).
      if netns_wait_for_file "$dir/dev.pin" 15 &&
        wait_for 'Successfully requested device .* to generate a Random PIN' "$dir/il.log" 15; then
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
il_obt mfgcert

[[ -z ${E2E_PID[ours-pair]:-} ]] || e2e_stop_device ours-pair
e2e_finish
