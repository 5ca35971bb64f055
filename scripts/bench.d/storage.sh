#!/usr/bin/env bash
# Storage benchmarks (run by scripts/bench with QOIMA_BUILD=build/release),
# keyring on a swtpm, SQLCipher with synchronous=FULL:
#  - commit of a 100k-file deposit, DB side (goal <= 5 s), against the
#    sqlcipher CLI running the same 100k object + file rows in one transaction
#    (the baseline: same schema, key form and pragmas, no application code);
#  - audit append (goal >= 10k events/s with a signed checkpoint every 1k):
#    group-committed (1k events per transaction) and one fsync'd transaction
#    per event, both reported;
#  - lookup by SHA-256 among 1M file rows (goal <= 1 ms median), and the DB
#    size per file row;
#  - verify-store over a store of 300k sealed objects: its peak RSS (goal:
#    every command <= 128 MiB) and time; QOIMA_BENCH_VERIFY_1M=1 adds a store
#    of 1M objects (building it takes minutes).
# Sizes can be lowered for a quick look: QOIMA_BENCH_FILES, QOIMA_BENCH_ROWS,
# QOIMA_BENCH_EVENTS, QOIMA_BENCH_VERIFY_OBJECTS (0 skips verify-store).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${QOIMA_BUILD:-build/release}
bin=$build/tests/storage/storage_bench
if [ ! -x "$bin" ]; then
  echo "storage bench: $bin is missing (cmake --build --preset release --target storage_bench)" >&2
  exit 1
fi
files=${QOIMA_BENCH_FILES:-100000}
rows=${QOIMA_BENCH_ROWS:-1000000}
events=${QOIMA_BENCH_EVENTS:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
ms_now() { echo $(($(date +%s%N) / 1000000)); }

ours=$("$bin" commit "$files")
commit_ms=$(awk '/^commit_ms/ {printf "%.0f", $2}' <<<"$ours")
commit_cpu=$(awk '/^commit_cpu_ms/ {printf "%.0f", $2}' <<<"$ours")
"$bin" baseline-sql "$files" "$work/baseline.sql"
t0=$(ms_now)
sqlcipher "$work/baseline.db" <"$work/baseline.sql" >/dev/null
t1=$(ms_now)
base_ms=$((t1 - t0))
echo "deposit commit  ${files} files: ${commit_ms} ms wall, ${commit_cpu} ms CPU (goal <= 5000 ms)   sqlcipher CLI same rows ${base_ms} ms wall   ratio ours/baseline $(ratio "$commit_ms" "$base_ms")"

echo "                (then the TPM-signed checkpoint of that intake: $(awk '/^checkpoint_ms/ {printf "%.0f", $2}' <<<"$ours") ms)"

audit=$("$bin" audit "$events")
echo "audit append    $(awk '/^batched_eps/ {printf "%.0f", $2}' <<<"$audit") events/s wall ($(awk '/^batched_cpu_eps/ {printf "%.0f", $2}' <<<"$audit") per CPU-second) group-committed, TPM-signed checkpoint every 1k (goal >= 10000)"
echo "audit append    $(awk '/^single_eps/ {printf "%.0f", $2}' <<<"$audit") events/s with one fsync'd transaction per event (for reference)"
echo "audit verify    $(awk '/^verify_eps/ {printf "%.0f", $2}' <<<"$audit") entries/s"

look=$("$bin" lookup "$rows")
echo "sha256 lookup   $(awk '/^lookup_median_us/ {printf "%.0f", $2}' <<<"$look") us median, $(awk '/^lookup_p99_us/ {printf "%.0f", $2}' <<<"$look") us p99 among ${rows} file rows (goal median <= 1000 us)"
echo "db size         $(awk '/^bytes_per_file_row/ {printf "%.0f", $2}' <<<"$look") bytes per file row (files + objects rows + indexes; $(awk '/^db_bytes/ {print $2}' <<<"$look") bytes total)"

verify_sizes=()
[ "${QOIMA_BENCH_VERIFY_OBJECTS:-300000}" -gt 0 ] && verify_sizes+=("${QOIMA_BENCH_VERIFY_OBJECTS:-300000}")
[ "${QOIMA_BENCH_VERIFY_1M:-0}" = 1 ] && verify_sizes+=(1000000)
for n in "${verify_sizes[@]}"; do
  v=$("$bin" verify "$n")
  echo "verify-store    ${n} objects: peak RSS $(awk '/^verify_peak_kib/ {printf "%.1f", $2 / 1024}' <<<"$v") MiB" \
    "while it runs ($(awk '/^rss_before_kib/ {printf "%.1f", $2 / 1024}' <<<"$v") MiB before; goal <= 128)," \
    "$(awk '/^verify_ms/ {printf "%.1f", $2 / 1000}' <<<"$v") s; load $(cut -d' ' -f1-3 /proc/loadavg)"
done
