#!/usr/bin/env bash
# Fails when a file below a front includes the front: fronts (cli/, kiosk/)
# depend on the domain, never the other way. A source file outside cli/ must
# not include a cli/ header, one outside kiosk/ no kiosk/ header (tests may
# include both: they test the fronts).
set -euo pipefail
cd "$1"
files=$(git ls-files '*.cpp' '*.h' '*.cpp.in' 2>/dev/null ||
  find common hardware crypto storage appliance cli kiosk tests -name '*.cpp' -o -name '*.h')
[ -n "$files" ] || { echo "front_includes_check: no files found"; exit 1; }
bad=0
for front in cli kiosk; do
  hits=$(echo "$files" | grep -v -e "^$front/" -e '^tests/' |
    xargs grep -n -E "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]$front/" /dev/null || true)
  if [ -n "$hits" ]; then
    echo "front_includes_check: files outside $front/ include a $front/ header:"
    echo "$hits"
    bad=1
  fi
done
[ "$bad" = 0 ] || exit 1
echo "front_includes_check: $(echo "$files" | wc -w) files checked; no file below a front includes it"
