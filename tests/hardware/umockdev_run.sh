#!/bin/sh
# Runs a test binary with libumockdev-preload (umockdev-wrapper). ASan wants
# its runtime first in the library list; with the preload it cannot be, which
# is harmless for these tests, so the check is turned off.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0"
export ASAN_OPTIONS
exec umockdev-wrapper "$@"
