#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds a program that uses only what
# was installed, once through pkg-config (libocf.pc) and once through find_package(ocf), and
# runs both. Usage: test_install.sh BUILD_DIR C_COMPILER
set -euo pipefail
build=$1 cc=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ocf-install.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
lib=$(ls -d "$tmp"/prefix/lib*/ | head -n1)
for f in share/man/man1/obt.1 share/man/man1/ocf-device.1 share/bash-completion/completions/obt; do
  [ -f "$tmp/prefix/$f" ] || { echo "not installed: $f" >&2; exit 1; }
done
export PKG_CONFIG_PATH="$lib/pkgconfig"
# shellcheck disable=SC2046
"$cc" -std=c17 -Wall -Werror "$here/consumer.c" -o "$tmp/consumer_pc" $(pkg-config --cflags --libs libocf) \
  -Wl,-rpath,"$lib"
"$tmp/consumer_pc"
cmake -S "$here" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$tmp/cm" >/dev/null
LD_LIBRARY_PATH="$lib" "$tmp/cm/consumer_cmake"
# Only the public API is exported: every dynamic symbol starts with ocf_.
others=$(nm -D --defined-only "$lib"/libocf.so | awk '$2 ~ /^[TDBR]$/ && $3 !~ /^ocf_/ {print $3}')
[ -z "$others" ] || { echo "symbols outside the public API exported: $others" >&2; exit 1; }
echo "install: pkg-config and find_package consumers built and ran; exports are ocf_* only"
