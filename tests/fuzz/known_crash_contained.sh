#!/usr/bin/env bash
# Each known crash input (known-crashes/*.img.gz) is read through `qoima scan`,
# i.e. the sandboxed reader child: the child's crash must be reported as
# parser_crash (exit 3, "check found problems"), never take the CLI down.
#   known_crash_contained.sh QOIMA_BINARY
set -euo pipefail
qoima="$1"
dir="$(cd "$(dirname "$0")" && pwd)/known-crashes"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for gz in "$dir"/*.img.gz; do
  img="$tmp/$(basename "$gz" .gz)"
  gzip -dc "$gz" > "$img"
  set +e
  out="$("$qoima" scan "$img" 2>&1)"
  rc=$?
  set -e
  if [ "$rc" -ne 3 ] || ! grep -q "parser_crash" <<<"$out"; then
    echo "FAIL: $(basename "$gz"): exit $rc, expected 3 with parser_crash:"
    echo "$out"
    exit 1
  fi
  echo "ok: $(basename "$gz") contained: $(grep -m1 parser_crash <<<"$out")"
done
