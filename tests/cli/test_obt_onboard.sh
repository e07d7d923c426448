#!/usr/bin/env bash
# obt onboard and obt devices from the command line: usage errors and their exit codes, --help,
# the empty device list (text and --json), a wrong key file refused before any network use, and
# an onboarding that finds nothing (exit 4) inside a private network namespace (unshare -rn,
# loopback only; skipped where namespaces are not allowed). The engine itself is tested by
# test_obt_onboard against scripted devices.
# Usage: test_obt_onboard.sh OBT
set -euo pipefail
obt=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/obt-onboard.XXXXXX")
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

db=$tmp/lab/domain.db
run init --store "$db" --name "Test lab"
expect_rc 0 init

run onboard --help
expect_rc 0 "onboard --help"
contains "$out" "exit status: 0 every device was onboarded"
run onboard --store "$db"
expect_rc 2 "onboard without devices"
contains "$err" "name the devices"
run onboard --store "$db" --all 11111111-2222-3333-4444-555555555555
expect_rc 2 "onboard with --all and a uuid"
run onboard --store "$db" not-a-uuid
expect_rc 2 "onboard with a bad uuid"
contains "$err" "is not a device uuid"
run onboard --store "$db" --all --jobs 0
expect_rc 2 "onboard --jobs 0"

run devices --store "$db"
expect_rc 0 devices
contains "$out" "knows no device yet"
run devices --store "$db" --json
expect_rc 0 "devices --json"
[ "$out" = "[]" ] || fail "devices --json: $out"
run devices --store "$tmp/none.db"
[ "$rc" != 0 ] || fail "devices on a missing store succeeded"

head -c 32 /dev/zero >"$tmp/wrong.key"
chmod 600 "$tmp/wrong.key"
run onboard --store "$db" --key-file "$tmp/wrong.key" --all --yes
expect_rc 1 "onboard with a wrong key file"
contains "$err" "wrong passphrase or key file"

if unshare -rn true 2>/dev/null; then
  set +e
  out=$(unshare -rn sh -c 'ip link set lo up && exec "$0" onboard --store "$1" --all --yes -w 300 -i lo' \
    "$obt" "$db" 2>"$tmp/err")
  rc=$?
  set -e
  err=$(cat "$tmp/err")
  expect_rc 4 "onboard --all with nothing on the network"
  contains "$err" "nothing answered"
else
  echo "skipped the namespace part: unshare -rn is not allowed here"
fi
echo "ok"
