#!/usr/bin/env bash
# Export bundles, release build, both baselines in the same run:
#   creation     qoima-export-bench create (stream + SHA-256/512 + tar + sign +
#                read-back verification)  vs  tar -c DIR | sha256sum   (>= 0.8x)
#   verification qoima-export-bench verify (= qoima verify-bundle)
#                                       vs  sha256sum over the same payload (>= 0.9x)
# Ratios are throughput ratios (baseline time / our time); >1 means we are faster.
set -euo pipefail
BUILD=${QOIMA_BUILD:-build/release}
TOOL=$BUILD/tests/export/qoima-export-bench
MB=${QOIMA_BENCH_EXPORT_MB:-512}
[ -x "$TOOL" ] || { echo "export bench: $TOOL missing (build the release preset)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/var/tmp}/qoima-export-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/deposit/src" "$work/deposit/бинарлар"
# A deposit-like mix: one large artifact, a few medium files, many small sources.
head -c $((MB * 1024 * 1024 * 3 / 4)) /dev/urandom > "$work/deposit/бинарлар/үлкен.iso"
for i in $(seq 1 8); do head -c $((MB * 1024 * 1024 / 4 / 8)) /dev/urandom > "$work/deposit/бинарлар/part$i.bin"; done
for i in $(seq 1 500); do head -c 4096 /dev/urandom > "$work/deposit/src/file$i.c"; done
sync

now() { date +%s.%N; }
best() { # best of 3 wall times of "$@"
  local b="" t0 t1 t
  for _ in 1 2 3; do
    t0=$(now); "$@" >/dev/null; t1=$(now)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}

base_create=$(best bash -c "tar -C '$work' -cf - deposit | sha256sum")
create_once() { rm -f "$work"/c.tar*; "$TOOL" create "$work/deposit" "$work/c.tar"; }
ours_create=$(best create_once)
"$TOOL" create "$work/deposit" "$work/b.tar" >/dev/null
base_verify=$(best bash -c "cd '$work/deposit' && find . -type f -print0 | xargs -0 sha256sum")
ours_verify=$(best "$TOOL" verify "$work/b.tar" "$work/b.tar.cert.pem")

# CPU seconds (user+sys) of one run each: creation also makes the bundle
# durable (writeback while writing, fsync at the end; the baseline writes
# nothing) and reads it back and verifies it while the disk finishes, so on a
# slow disk its wall time is bound by the disk's write speed (printed below);
# the CPU figures show the rest.
cpu() { /usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.2f", $1 + $2}'; }
rm -f "$work"/c.tar*
base_create_cpu=$(cpu bash -c "tar -C '$work' -cf - deposit | sha256sum")
ours_create_cpu=$(cpu "$TOOL" create "$work/deposit" "$work/c.tar")

# The floor creation cannot beat: writing the same bytes durably with dd.
disk_write=$(best bash -c "rm -f '$work/dd.out'; tar -C '$work' -cf - deposit | dd of='$work/dd.out' bs=1M conv=fsync status=none")
rm -f "$work/dd.out"

ratio() { echo "scale=2; $1 / $2" | bc -l; }
printf 'export: %d MiB payload, %s files\n' "$MB" "$(find "$work/deposit" -type f | wc -l)"
printf 'create : tar|sha256sum %6.2fs  qoima %6.2fs  throughput ratio %s (target >= 0.80)\n' \
  "$base_create" "$ours_create" "$(ratio "$base_create" "$ours_create")"
printf 'create CPU (user+sys): tar|sha256sum %ss  qoima %ss\n' "$base_create_cpu" "$ours_create_cpu"
printf 'create floor: tar | dd conv=fsync (durable write, no hashing) %6.2fs\n' "$disk_write"
printf 'verify : sha256sum     %6.2fs  qoima %6.2fs  throughput ratio %s (target >= 0.90)\n' \
  "$base_verify" "$ours_verify" "$(ratio "$base_verify" "$ours_verify")"
