#!/usr/bin/env bash
# hardware benchmarks (release build; ratios from one run on the same images):
#  1. 2 GiB ISO9660 of large files: qoima-read (sandboxed reader, all data
#     streamed to the parent through a pipe) vs `bsdtar -xOf IMG | cat`: the
#     baseline's data crosses one pipe too (written straight to /dev/null,
#     bsdtar moves 1 GiB in 0.1 s and measures nothing). Goal >= 0.9x.
#  2. FAT32 with 100k small files: qoima-read vs `tsk_recover -a` to tmpfs.
#     Goal >= 1.0x.
#  3. Peak RSS of the reader (parent + child, /usr/bin/time -v) on a 256 MiB
#     and on the 2 GiB ISO: must not grow with the image and stay <= 64 MiB.
#  4. ISO9660 with 200k small files: qoima-read vs `bsdtar -xOf IMG | cat`
#     (libarchive, which reads the whole directory tree first), time and peak
#     RSS of each.
#     The reader's RSS must not grow with the file count (<= 64 MiB).
# 100 files per directory: mtools needs quadratic time to give 1000 non-ASCII
# long names in one directory unique short names.
# Env: QOIMA_BUILD (default build/release), BENCH_ISO_MB (2048), BENCH_FAT_FILES (100000),
#      BENCH_ISO_FILES (200000), BENCH_PARTS ("iso fat isomany", the parts to run).
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${QOIMA_BUILD:-build/release}"
iso_mb="${BENCH_ISO_MB:-2048}"
fat_files="${BENCH_FAT_FILES:-100000}"
iso_files="${BENCH_ISO_FILES:-200000}"
parts="${BENCH_PARTS:-iso fat isomany}"
read_bin="$build/hardware/qoima-read"
mk="$build/tests/qoima-mkmedia"
if [ ! -x "$read_bin" ] || [ ! -x "$mk" ] || [ ! -x "$build/hardware/qoima-media-child" ]; then
  cmake --build "$build" -j2 --target qoima-read qoima-media-child qoima-mkmedia >/dev/null
fi
work=$(mktemp -d "${TMPDIR:-/var/tmp}/qoima-bench-hw.XXXXXX")
shm=$(mktemp -d /dev/shm/qoima-bench-hw.XXXXXX)
trap 'rm -rf "$work" "$shm"' EXIT

seconds() {  # seconds CMD...: wall time of CMD in seconds (stdout discarded)
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
ratio() { echo "scale=2; $1 / $2" | bc -l; }
small_tree() {  # small_tree DIR COUNT PER_DIR: COUNT files of 64..2063 random bytes
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys
root, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    d = os.path.join(root, "d%04d" % (i // per))
    if i % per == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "файл%06d.txt" % i), "wb") as f:
        f.write(os.urandom(64 + (i * 37) % 2000))
PY
}
bsdtar_piped() { bsdtar -xOf "$1" | cat; }  # the data crosses a pipe, as qoima-read's does
peak_kb() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}'; }
drop() { sync; echo 1 > /proc/sys/vm/drop_caches 2>/dev/null || true; }

# --- 1. large-file ISO ------------------------------------------------------
if [[ " $parts " == *" iso "* ]]; then
mkdir -p "$work/iso-tree"
files=8
per_mb=$((iso_mb / files))
for i in $(seq 1 $files); do
  head -c $((per_mb * 1024 * 1024)) /dev/urandom > "$work/iso-tree/үлкен-$i.bin"
done
"$mk" iso9660 "$work/iso-tree" "$work/big.iso" >/dev/null
rm -rf "$work/iso-tree"
mkdir -p "$work/small-tree"
head -c $((256 * 1024 * 1024)) /dev/urandom > "$work/small-tree/f.bin"
"$mk" iso9660 "$work/small-tree" "$work/small.iso" >/dev/null
rm -rf "$work/small-tree"

# Warm the page cache equally for both (the read path, not the disk, is measured).
cat "$work/big.iso" > /dev/null
t_bsdtar=$(seconds bsdtar_piped "$work/big.iso")
t_ours=$(seconds "$read_bin" "$work/big.iso")
t_bsdtar2=$(seconds bsdtar_piped "$work/big.iso")
t_ours2=$(seconds "$read_bin" "$work/big.iso")
t_b=$(echo "if ($t_bsdtar < $t_bsdtar2) $t_bsdtar else $t_bsdtar2" | bc -l)
t_o=$(echo "if ($t_ours < $t_ours2) $t_ours else $t_ours2" | bc -l)
printf 'iso9660 %d MiB large files: qoima-read %.2fs, bsdtar -xO | cat %.2fs -> throughput ratio %sx (goal >= 0.9)\n' \
  "$iso_mb" "$t_o" "$t_b" "$(ratio "$t_b" "$t_o")"

# --- 3. peak memory ----------------------------------------------------------
rss_small=$(peak_kb "$read_bin" "$work/small.iso")
rss_big=$(peak_kb "$read_bin" "$work/big.iso")
printf 'peak RSS of the reader: %d KiB on 256 MiB, %d KiB on %d MiB (limit 65536 KiB)\n' \
  "$rss_small" "$rss_big" "$iso_mb"
rm -f "$work/big.iso" "$work/small.iso"
fi

# --- 2. FAT32 with many small files ----------------------------------------
if [[ " $parts " == *" fat "* ]]; then
mkdir -p "$work/fat-tree"
small_tree "$work/fat-tree" "$fat_files" 100
fat_mb=$(( fat_files / 100 + 300 ))
mkfs.fat -F 32 -n BENCH -C "$work/many.img" $((fat_mb * 1024)) >/dev/null
MTOOLS_SKIP_CHECK=1 mcopy -s -Q -i "$work/many.img" "$work/fat-tree"/* ::/
rm -rf "$work/fat-tree"
cat "$work/many.img" > /dev/null
t_tsk=$(seconds tsk_recover -a "$work/many.img" "$shm/out")
rm -rf "$shm/out"
t_ours=$(seconds "$read_bin" "$work/many.img")
printf 'fat32 %d small files: qoima-read %.2fs, tsk_recover -a to tmpfs %.2fs -> throughput ratio %sx (goal >= 1.0)\n' \
  "$fat_files" "$t_ours" "$t_tsk" "$(ratio "$t_tsk" "$t_ours")"
fi

# --- 4. ISO9660 with many small files ---------------------------------------
if [[ " $parts " == *" isomany "* ]]; then
mkdir -p "$work/iso-many"
small_tree "$work/iso-many" "$iso_files" 1000
"$mk" iso9660 "$work/iso-many" "$work/many.iso" >/dev/null
rm -rf "$work/iso-many"
cat "$work/many.iso" > /dev/null
t_b=$(seconds bsdtar_piped "$work/many.iso")
t_o=$(seconds "$read_bin" "$work/many.iso")
rss_b=$(peak_kb bsdtar -xOf "$work/many.iso")
rss_o=$(peak_kb "$read_bin" "$work/many.iso")
printf 'iso9660 %d small files: qoima-read %.2fs, bsdtar -xO | cat %.2fs -> throughput ratio %sx; peak RSS %d KiB (bsdtar %d KiB, limit 65536 KiB)\n' \
  "$iso_files" "$t_o" "$t_b" "$(ratio "$t_b" "$t_o")" "$rss_o" "$rss_b"
rm -f "$work/many.iso"
fi
