#!/usr/bin/env bash
# obt maintain from the command line (ADR 0025), on a temporary store without devices: usage
# errors (exit 2), no CA (nothing to do, exit 0), --dry-run signs nothing, the first pass signs
# CRL 1, a second pass keeps it, --now past nextUpdate or inside --crl-before signs a greater
# number, a revocation makes the next pass sign, bounded --every passes, --json events. No
# network (no owned device: no job runs).
# Usage: test_obt_maintain.sh OBT
set -euo pipefail
obt=$(realpath "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/obt-maint.XXXXXX")
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
m() { run maintain --store "$db" "$@"; }
for bad in "--every" "--every 5x" "--rounds 2" "--once --every 1h" "--every 0" "--now 2026-01-01" \
  "--crl-days 0" "--renew-before -1d" "--frob" "4e2e330a-2f22-48ca-94b9-c984bc68fec5"; do
  # shellcheck disable=SC2086 # the words of $bad are the arguments
  m $bad
  expect_rc 2 "maintain $bad"
done

run init --store "$db" --name "Maint lab"
expect_rc 0 init
m
expect_rc 0 "maintain without a CA"
contains "$out" "no CA"
run ca init --store "$db"
expect_rc 0 "ca init"

m --dry-run
expect_rc 0 "maintain --dry-run"
contains "$out" "would sign a new CRL (none yet)"
m --json
expect_rc 0 "maintain (first)"
contains "$out" '"event": "crl", "action": "signed", "reason": "none", "number": 1'
contains "$out" '"event": "pass-done", "round": 1'
m --json
contains "$out" '"action": "current", "reason": "fresh", "number": 1'

# 80 days on, within a quarter of the 90-day lifetime; then inside an explicit window.
soon=$(date -u -d '+80 days' +%Y-%m-%dT%H:%M:%SZ)
m --json --now "$soon"
contains "$out" '"action": "signed", "reason": "due", "number": 2'
m --json --now "$soon" --crl-before 100d
contains "$out" '"action": "signed", "reason": "due", "number": 3'
m --json --now "$soon" --crl-before 1d
contains "$out" '"action": "current", "reason": "fresh", "number": 3'
later=$(date -u -d '+400 days' +%Y-%m-%dT%H:%M:%SZ)
m --dry-run --now "$later"
contains "$out" "would sign a new CRL (expired): the current one is number 3"
m --json --now "$later" --crl-days 7
contains "$out" '"action": "signed", "reason": "expired", "number": 4'

# A revocation: the next pass signs, with a number above the revocation's.
mkdir -p "$tmp/self"
run cert self --store "$db" --out "$tmp/self"
expect_rc 0 "cert self"
serial=$(sed -n 's/.*serial \([0-9A-F]*\),.*/\1/p' <<<"$out")
run cert revoke "$serial" --store "$db" --yes
expect_rc 0 "cert revoke"
m --json --now "$later"
contains "$out" '"action": "signed", "reason": "revoked", "number": 6'

# Bounded passes.
m --every 0 --rounds 3 --json
expect_rc 0 "maintain --every 0 --rounds 3"
[ "$(grep -c '"event": "pass-done"' <<<"$out")" = 3 ] || fail "three passes expected: $out"
echo "ok"
