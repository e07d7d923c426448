#!/usr/bin/env bash
# obt show, obt recover, obt reset and obt devices from the command line, on a domain store whose
# device rows are planted with Python's sqlite3 (onboarding a device for real is the engine's
# test, test_obt_lifecycle): the interrupted onboarding listed and shown (text and --json, no
# secret), recover --dry-run and recover dropping a record whose credential never went out,
# reset --forget-only (asks first; --yes), usage errors and exit codes, no colour on a pipe;
# and inside a private network namespace (unshare -rn, loopback only) a reset that cannot be
# done changes nothing; obt apply drops a group it made whose members are all forgotten, and
# keeps one made by hand.
# Usage: test_obt_lifecycle.sh OBT
set -euo pipefail
obt=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/obt-lifecycle.XXXXXX")
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

if ! python3 -c 'import sqlite3' 2>/dev/null; then
  echo "skipped: python3 has no sqlite3 module"
  exit 0
fi
db=$tmp/lab/domain.db
run init --store "$db" --name "Test lab"
expect_rc 0 init

# An onboarding interrupted after oxmsel (no credential stored), and an owned device.
python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
dev = "INSERT INTO devices(uuid, original_uuid, name, type, state, endpoints, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?)"
c.execute(dev, (bytes.fromhex("11111111222233334444555555555555"), bytes.fromhex("aaaaaaaa222233334444555555555555"),
                "Desk lamp", "oic.d.light", "onboarding", "coap://[::1]:5683 coaps://[::1]:5684", 1700000000000, 1700000001000))
c.execute(dev, (bytes.fromhex("22222222222233334444555555555555"), bytes.fromhex("bbbbbbbb222233334444555555555555"),
                "Fan", "oic.d.fan", "owned", "coap://[::1]:5685 coaps://[::1]:5686", 1700000000000, 1700000001000))
st = "INSERT INTO steps(device_id, name, status, requests, response, diagnostic, started, ended) VALUES (1,?,?,?,?,?,?,?)"
c.execute(st, ("get-doxm", "done", 1, 205, "", 1700000000000, 1700000000012))
c.execute(st, ("oxmsel", "done", 1, 204, "otm jw", 1700000000012, 1700000000020))
c.execute(st, ("handshake", "started", 0, 0, "", 1700000000020, 0))
c.execute("INSERT INTO audit(time, actor, action, detail) VALUES (1700000000000, 'obt', 'onboard', "
          "'aaaaaaaa-2222-3333-4444-555555555555 begin otm ? requests 0')")
c.commit()
PY
lamp=11111111-2222-3333-4444-555555555555
fan=22222222-2222-3333-4444-555555555555

run devices --store "$db"
expect_rc 0 devices
contains "$out" "1 interrupted onboarding: see obt show UUID, resolve with obt recover"
run devices --store "$db" --json
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert [x["interrupted"] for x in d] == [True, False], d' "$out" ||
  fail "devices --json: $out"

run show --store "$db" "$lamp"
expect_rc 0 show
contains "$out" "onboarding (interrupted: resolve with obt recover)"
contains "$out" "owner credential  none"
contains "$out" "OTM               jw"
contains "$out" "handshake          started"
contains "$out" "begin otm"
if grep -q $'\033' <<<"$out"; then fail "colour codes on a pipe"; fi
run show --store "$db" aaaaaaaa-2222-3333-4444-555555555555 --json # its uuid before onboarding
expect_rc 0 "show by the original uuid"
python3 - "$out" <<'PY' || fail "show --json: $out"
import json, sys
d = json.loads(sys.argv[1])
assert d["uuid"] == "11111111-2222-3333-4444-555555555555" and d["interrupted"] and d["otm"] == "jw", d
assert [s["name"] for s in d["steps"]] == ["get-doxm", "oxmsel", "handshake"], d
assert d["steps"][0]["response"] == 205 and d["steps"][2]["status"] == "started", d
assert len(d["audit"]) == 1 and d["owner_credential"] is False, d
PY
run show --store "$db" 99999999-2222-3333-4444-555555555555
expect_rc 1 "show of an unknown device"
run show --store "$db"
expect_rc 2 "show without a uuid"

run recover --store "$db" --dry-run
expect_rc 0 "recover --dry-run"
contains "$out" "no owner credential went out: forget it"
run show --store "$db" "$lamp"
expect_rc 0 "show after a dry run"
run recover --store "$db" "$fan"
expect_rc 1 "recover of an owned device"
contains "$out" "not interrupted"
run recover --store "$db"
expect_rc 0 recover
contains "$out" "forgotten"
run recover --store "$db" --json
expect_rc 0 "recover with nothing left"
contains "$out" '"event": "done"'
run show --store "$db" "$lamp"
expect_rc 1 "show after recover"

run reset --store "$db"
expect_rc 2 "reset without devices"
run reset --store "$db" not-a-uuid
expect_rc 2 "reset with a bad uuid"
run reset --store "$db" --forget-only "$fan"
expect_rc 2 "reset --forget-only without a terminal or --yes"
contains "$err" "give --yes"
run reset --store "$db" --forget-only --yes 99999999-2222-3333-4444-555555555555
expect_rc 1 "reset --forget-only of an unknown device"

if unshare -rn true 2>/dev/null; then
  # The owned device has no owner credential in this planted store: nothing changes.
  set +e
  out=$(unshare -rn sh -c 'ip link set lo up && exec "$0" reset --store "$1" --yes -w 200 -t 2 -i lo "$2"' \
    "$obt" "$db" "$fan" 2>"$tmp/err")
  rc=$?
  set -e
  err=$(cat "$tmp/err")
  expect_rc 1 "reset of a device without an owner credential"
  contains "$out" "holds no owner credential"
  run show --store "$db" "$fan"
  expect_rc 0 "show after a refused reset"
else
  echo "skipped the namespace part: unshare -rn is not allowed here"
fi

run reset --store "$db" --forget-only --yes --json "$fan"
expect_rc 0 "reset --forget-only --yes"
contains "$out" '"outcome": "forgotten"'
run devices --store "$db" --json
[ "$out" = "[]" ] || fail "devices after forgetting everything: $out"
# obt apply with groups (ADR 0023) whose members the store no longer knows: a group the policy
# made goes from the store (no device to reach), a group made by hand stays; a bad group line
# names its line.
python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for name, by_apply in (("gone", 1), ("hand", 0)):
    c.execute("INSERT INTO oscore_groups VALUES (?, randomblob(16), '02aabb', '', 1, 0, ?)", (name, by_apply))
    c.execute("INSERT INTO oscore_group_members VALUES (?, 0, ?, 1, '02aabb', '4')",
              (name, bytes.fromhex("33333333222233334444555555555555")))
c.commit()
PY
printf '# nothing\n' >"$tmp/empty.policy"
run apply "$tmp/empty.policy" --store "$db" --dry-run
expect_rc 0 "apply --dry-run"
contains "$out" "- group gone client=33333333-2222-3333-4444-555555555555"
run group list --store "$db" --json
contains "$out" '"name": "gone"'
run apply "$tmp/empty.policy" --store "$db" --yes
expect_rc 0 "apply --yes"
contains "$out" "ok      group gone  deleted"
run group list --store "$db" --json
grep -qF '"name": "gone"' <<<"$out" && fail "the policy's group is still listed: $out"
contains "$out" '"name": "hand"'
contains "$out" '"by_apply": false'
run apply "$tmp/empty.policy" --store "$db" --yes
contains "$out" "no changes"
printf '\ngroup lights client=%s\n' 33333333-2222-3333-4444-555555555555 >"$tmp/bad.policy"
run apply "$tmp/bad.policy" --store "$db" --yes
expect_rc 1 "apply with a bad group line"
contains "$err" "bad.policy:2: group NAME client="

run domain --store "$db"
expect_rc 0 domain
echo "ok"
