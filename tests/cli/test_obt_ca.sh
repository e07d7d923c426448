#!/usr/bin/env bash
# obt ca from the command line (ADR 0017), on a temporary directory: --help, show before a CA
# exists, init with --cn/--days, show as text, JSON and PEM (read back by openssl when it is
# installed), a second init refused without --force, the private key never in clear in the
# store file, a passphrase domain through --passphrase-env (and a wrong one refused), and
# import of a company sub-CA made with openssl: accepted, a key of another CA refused, a leaf
# refused. No network.
# Usage: test_obt_ca.sh OBT
set -euo pipefail
obt=$(realpath "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/obt-ca.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
run() {
  set +e
  out=$("$obt" "$@" 2>"$tmp/err" </dev/null)
  rc=$?
  set -e
  err=$(cat "$tmp/err")
}
expect_rc() { [ "$rc" = "$1" ] || fail "obt $2: exit $rc, expected $1; stdout: $out; stderr: $err"; }
contains() { grep -qF -- "$2" <<<"$1" || fail "expected '$2' in: $1"; }
have_openssl=false
command -v openssl >/dev/null 2>&1 && have_openssl=true

run ca --help
expect_rc 0 "ca --help"
contains "$out" "obt ca init"
run --help
contains "$out" "certificate authority"
run ca
expect_rc 2 "ca without an action"
run ca frobnicate
expect_rc 2 "ca frobnicate"
run ca init --days 0
expect_rc 2 "ca init --days 0"

db=$tmp/lab/domain.db
run init --store "$db" --name "Test lab"
expect_rc 0 init
run ca show --store "$db"
expect_rc 1 "ca show before init"
contains "$err" "no CA yet"

run ca init --store "$db" --cn "Lab Root" --days 30
expect_rc 0 "ca init"
contains "$out" "subject      CN=Lab Root"
contains "$out" "self-signed root"
run ca show --store "$db" --json
expect_rc 0 "ca show --json"
contains "$out" '"subject": "CN=Lab Root"'
contains "$out" '"root": true'
fp=$(sed -n 's/.*"sha256": "\([0-9A-F]*\)".*/\1/p' <<<"$out")
[ ${#fp} = 64 ] || fail "fingerprint: $out"
run ca show --store "$db" --pem
expect_rc 0 "ca show --pem"
contains "$out" "-----BEGIN CERTIFICATE-----"
if $have_openssl; then
  printf '%s\n' "$out" >"$tmp/ca.pem"
  got=$(openssl x509 -in "$tmp/ca.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')
  [ "$got" = "$fp" ] || fail "openssl fingerprint $got, obt $fp"
  openssl x509 -in "$tmp/ca.pem" -noout -text | grep -q "CA:TRUE" || fail "openssl: not a CA"
fi
run ca init --store "$db"
expect_rc 1 "second ca init"
contains "$err" "--force"
run ca init --store "$db" --force --days 10
expect_rc 0 "ca init --force"
contains "$out" "CN=obt CA Test lab"

# The key is in the store only sealed: its DER never appears in the file. openssl can print the
# public key; the private scalar is checked by searching for the EC private key header bytes.
if $have_openssl; then
  # A PKCS#8/SEC1 P-256 key in clear starts with 30 77 02 01 01 04 20.
  od -An -tx1 -v "$db" | tr -d ' \n' | grep -q "30770201010420" && fail "a private key in clear"
fi

# A passphrase domain.
pdb=$tmp/p/domain.db
OBT_TEST_PASS='correct horse' run init --store "$pdb" --passphrase-env OBT_TEST_PASS
expect_rc 0 "init with a passphrase"
OBT_TEST_PASS='wrong horse' run ca init --store "$pdb" --passphrase-env OBT_TEST_PASS
expect_rc 1 "ca init with a wrong passphrase"
contains "$err" "wrong passphrase"
OBT_TEST_PASS='correct horse' run ca init --store "$pdb" --passphrase-env OBT_TEST_PASS
expect_rc 0 "ca init with the passphrase"

# Import of a company sub-CA (openssl makes it).
if $have_openssl; then
  cd "$tmp"
  cat >ext.cnf <<'CNF'
[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[sub]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyAgreement
CNF
  q() { "$@" >/dev/null 2>&1 || fail "openssl: $*"; }
  q openssl ecparam -name prime256v1 -genkey -noout -out root.key
  q openssl req -new -x509 -key root.key -subj "/O=Acme/CN=Acme Root" -days 365 -sha256 \
    -extensions root -config ext.cnf -out root.pem
  q openssl ecparam -name prime256v1 -genkey -noout -out sub.key
  q openssl req -new -key sub.key -subj "/O=Acme/CN=Acme OBT Sub-CA" -out sub.csr
  q openssl x509 -req -in sub.csr -CA root.pem -CAkey root.key -CAcreateserial -days 200 -sha256 \
    -extfile ext.cnf -extensions sub -out sub.pem
  q openssl x509 -req -in sub.csr -CA root.pem -CAkey root.key -CAcreateserial -days 200 -sha256 \
    -extfile ext.cnf -extensions leaf -out notca.pem
  run ca import --store "$db" --cert sub.pem --key root.key --force
  expect_rc 1 "ca import with another CA's key"
  contains "$err" "not the certificate's"
  run ca import --store "$db" --cert notca.pem --key sub.key --force
  expect_rc 1 "ca import of a leaf"
  run ca import --store "$db" --cert sub.pem --key sub.key
  expect_rc 1 "ca import over a CA without --force"
  run ca import --store "$db" --cert sub.pem --key sub.key --force
  expect_rc 0 "ca import"
  contains "$out" "(sub-CA)"
  contains "$out" "issuer       O=Acme, CN=Acme Root"
  run ca show --store "$db" --pem
  printf '%s\n' "$out" >got.pem
  cmp <(openssl x509 -in got.pem -outform DER) <(openssl x509 -in sub.pem -outform DER) ||
    fail "the imported certificate changed"
fi
run ca import --store "$db" --cert "$tmp/missing.pem" --key "$tmp/missing.key"
expect_rc 3 "ca import of missing files"
echo "test_obt_ca: ok"
