#!/usr/bin/env bash
# obt fits a person's habits: every command `obt --help` lists answers COMMAND --help with its
# usage, options and exit status (exit 0), is described in the man page docs/man/obt.1 and is
# completed by share/bash-completion/completions/obt; the man pages format without warnings;
# output to a pipe carries no colour codes.
# Usage: test_obt_help.sh OBT SOURCE_DIR
set -euo pipefail
obt=$1
src=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

help=$("$obt" --help) || fail "obt --help exited $?"
grep -q "exit status" <<<"$help" || fail "obt --help does not document the exit status"
"$obt" --version >/dev/null || fail "obt --version"
set +e
"$obt" >/dev/null 2>&1
rc=$?
"$obt" no-such-command >/dev/null 2>&1
rc2=$?
set -e
[ "$rc" = 2 ] || fail "obt without a command: exit $rc, expected 2"
[ "$rc2" = 2 ] || fail "obt with an unknown command: exit $rc2, expected 2"

commands=$(sed -n '/^commands:/,/^$/p' <<<"$help" | awk 'NF && $1 != "commands:" {print $1}')
[ -n "$commands" ] || fail "no commands in obt --help"
man=$src/docs/man/obt.1
completion=$src/share/bash-completion/completions/obt
n=0
for c in $commands; do
  out=$("$obt" "$c" --help) || fail "obt $c --help exited $?"
  grep -q "^usage: obt $c" <<<"$out" || fail "obt $c --help prints no usage line"
  grep -q "exit status" <<<"$out" || fail "obt $c --help does not document its exit status"
  grep -Eq "^\.B(R)? $c( |\$)" "$man" || fail "docs/man/obt.1 does not describe the command $c"
  grep -Eq "commands=\"[^\"]*\\b$c\\b" "$completion" || fail "the bash completion does not complete $c"
  n=$((n + 1))
done
[ "$n" -ge 9 ] || fail "only $n commands in obt --help"

bash -n "$completion" || fail "the bash completion does not parse"
if command -v man >/dev/null 2>&1; then
  for page in "$src/docs/man/obt.1" "$src/docs/man/ocf-device.1"; do
    warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) || fail "man $page"
    [ -z "$warn" ] || fail "man $page: $warn"
  done
else
  echo "skipped the man formatting check: no man here"
fi

# Colour only on a terminal: stdout here is a pipe.
if grep -q $'\033' <<<"$("$obt" recover --help)$help"; then fail "colour codes on a pipe"; fi
echo "ok ($n commands)"
