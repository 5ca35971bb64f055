#!/usr/bin/env bash
# Fails when a C++ file of the project does not match .clang-format.
set -euo pipefail
cd "$1"
files=$(git ls-files '*.cpp' '*.h' 2>/dev/null || find common hardware crypto storage appliance cli kiosk tests -name '*.cpp' -o -name '*.h')
[ -n "$files" ] || { echo "format_check: no files found"; exit 1; }
clang-format --dry-run --Werror $files
echo "format_check: $(echo "$files" | wc -w) files formatted"
