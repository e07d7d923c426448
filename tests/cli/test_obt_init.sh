#!/usr/bin/env bash
# obt init and obt domain from the command line, on a temporary directory: the summary, the file
# modes (0600 files, 0700 directories, whatever the umask), the refusal to replace a domain
# without --force, --force, a passphrase from the environment, the XDG default path, --json,
# refusals of a shared or symlinked store, and the exit codes. No network.
# Usage: test_obt_init.sh OBT
set -euo pipefail
obt=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/obt-init.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mode() { stat -c %a "$1"; }
# Runs obt with the given arguments; sets rc, out, err.
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
umask 000
run init --store "$db" --name "Test lab" --otm-policy rdp,mfgcert --priv
umask 077
expect_rc 0 init
contains "$out" 'Created the security domain "Test lab"'
contains "$out" "OTM policy   rdp,mfgcert"
contains "$out" "private      yes"
contains "$out" "key file $tmp/lab/domain.key"
[ "$(mode "$tmp/lab")" = 700 ] || fail "store directory mode $(mode "$tmp/lab")"
[ "$(mode "$db")" = 600 ] || fail "store mode $(mode "$db")"
[ "$(mode "$tmp/lab/domain.key")" = 600 ] || fail "key file mode $(mode "$tmp/lab/domain.key")"
key_hex=$(od -An -tx1 "$tmp/lab/domain.key" | tr -d ' \n')
grep -qi "$key_hex" <<<"$out$err" && fail "the key appears in the output"
sdi=$(sed -n 's/^  domain uuid  //p' <<<"$out")
[ -n "$sdi" ] || fail "no domain uuid in: $out"

run domain --store "$db"
expect_rc 0 domain
contains "$out" 'Security domain "Test lab"'
contains "$out" "domain uuid  $sdi"
contains "$out" "devices      0"

run domain --store "$db" --json
expect_rc 0 "domain --json"
python3 - "$sdi" <<PY || fail "domain --json: $out"
import json, sys
d = json.loads('''$out''')
assert d["sdi_uuid"] == sys.argv[1] and d["name"] == "Test lab" and d["priv"] is True
assert d["otm_policy"] == "rdp,mfgcert" and d["devices"] == 0 and d["key"]["kind"] == "file"
assert len(d["tool_uuid"]) == 36 and d["tool_uuid"] != d["sdi_uuid"]
PY

# An existing domain is kept unless --force; --force reuses the key file.
run init --store "$db"
expect_rc 1 "init over a domain"
contains "$err" "--force"
run domain --store "$db"
contains "$out" "domain uuid  $sdi"
run init --store "$db" --force --name other
expect_rc 0 "init --force"
contains "$out" 'Created the security domain "other"'
grep -qF "$sdi" <<<"$out" && fail "init --force kept the old domain uuid"
[ "$(od -An -tx1 "$tmp/lab/domain.key" | tr -d ' \n')" = "$key_hex" ] || fail "--force replaced the key file"

# A passphrase from the environment: no key file.
OBT_TEST_PASS='correct horse' run init --store "$tmp/p/domain.db" --passphrase-env OBT_TEST_PASS
expect_rc 0 "init --passphrase-env"
contains "$out" "passphrase (PBKDF2-HMAC-SHA-256"
[ ! -e "$tmp/p/domain.key" ] || fail "a key file was made for a passphrase domain"
grep -q "correct horse" "$tmp/p/domain.db" && fail "the passphrase is in the store"
run domain --store "$tmp/p/domain.db"
contains "$out" "domain key   passphrase"
run init --store "$tmp/q.db" --passphrase-env OBT_TEST_UNSET
expect_rc 2 "init with an empty passphrase variable"

# The default path: $XDG_DATA_HOME/obt/domain.db, else ~/.local/share/obt/domain.db.
XDG_DATA_HOME=$tmp/xdg run init --name xdg
expect_rc 0 "init at the XDG path"
[ "$(mode "$tmp/xdg/obt")" = 700 ] && [ "$(mode "$tmp/xdg/obt/domain.db")" = 600 ] || fail "XDG path modes"
HOME=$tmp/home XDG_DATA_HOME='' run domain
expect_rc 1 "domain without a store"
contains "$err" "obt init"
HOME=$tmp/home XDG_DATA_HOME='' run init
expect_rc 0 "init at ~/.local/share"
[ -f "$tmp/home/.local/share/obt/domain.db" ] || fail "no store under HOME"

# Refusals: a store others may read, a symlink, a bad policy, an unknown option.
chmod 644 "$db"
run domain --store "$db"
expect_rc 3 "domain on a 0644 store"
contains "$err" "refused"
chmod 600 "$db"
ln -s "$db" "$tmp/link.db"
run domain --store "$tmp/link.db"
expect_rc 3 "domain through a symlink"
run init --store "$tmp/x.db" --otm-policy jw,pin
expect_rc 2 "init with a bad policy"
run init --store "$tmp/x.db" --bogus
expect_rc 2 "init with an unknown option"
run init --store "$tmp/x.db" --key-file "$tmp/k" --passphrase-env X
expect_rc 2 "init with two key sources"
run init --help
expect_rc 0 "init --help"
contains "$out" "--otm-policy"
run domain --help
expect_rc 0 "domain --help"
echo "obt init/domain: summary, modes, refusals, --force, passphrase, XDG path, --json: ok"
