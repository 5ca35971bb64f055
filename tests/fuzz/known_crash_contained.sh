#!/usr/bin/env bash
# Inputs the fuzzers found that crashed a third-party parser, read through
# `qoima scan`, i.e. the production path with the sandboxed reader child:
#  - known-crashes/*.img.gz (a crash we cannot fix here): the child's crash
#    must be reported as parser_crash (exit 3), never take the CLI down;
#  - fixed-crashes/*.img.gz (a crash our reader now prevents): reported as a
#    corrupt filesystem (exit 3), with no parser_crash.
# Fails when there is no input at all, so it cannot pass by checking nothing.
#   known_crash_contained.sh QOIMA_BINARY
set -euo pipefail
qoima="$1"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
shopt -s nullglob
checked=0
scan() {  # scan GZ -> sets out, rc
  img="$tmp/$(basename "$1" .gz)"
  gzip -dc "$1" > "$img"
  set +e
  out="$(QOIMA_TEST_MEDIA=1 "$qoima" scan "$img" 2>&1)"  # an image file stands for the medium
  rc=$?
  set -e
  rm -f "$img"
  checked=$((checked + 1))
}
for gz in "$here"/known-crashes/*.img.gz; do
  scan "$gz"
  if [ "$rc" -ne 3 ] || ! grep -q "parser_crash" <<<"$out"; then
    echo "FAIL: $(basename "$gz"): exit $rc, expected 3 with parser_crash:"
    echo "$out"
    exit 1
  fi
  echo "ok: $(basename "$gz") contained: $(grep -m1 parser_crash <<<"$out")"
done
for gz in "$here"/fixed-crashes/*.img.gz; do
  scan "$gz"
  if [ "$rc" -ne 3 ] || grep -q "parser_crash" <<<"$out" || ! grep -q "corrupt_filesystem" <<<"$out"; then
    echo "FAIL: $(basename "$gz"): exit $rc, expected 3 with corrupt_filesystem and no parser_crash:"
    echo "$out"
    exit 1
  fi
  echo "ok: $(basename "$gz") refused cleanly: $(grep -m1 corrupt_filesystem <<<"$out")"
done
if [ "$checked" -eq 0 ]; then
  echo "FAIL: no input under known-crashes/ or fixed-crashes/"
  exit 1
fi
