#!/usr/bin/env bash
# Intake benchmarks (run by scripts/bench with QOIMA_BUILD=build/release):
#  - end-to-end `qoima intake --accept` of an ISO holding ~2 GiB of large
#    files (read in the sandbox, SHA-256, AES-256-GCM, objects appended to the
#    deposit's pack files, one syncfs barrier, one commit), against `sha256sum`
#    over the same image: goal >= 0.8x throughput;
#  - end-to-end intake of a 100k-small-file tree on a FAT32 image: goal
#    >= 20k files/s, with the ratio to `hashdeep -r` over the same tree on tmpfs;
#  - peak RSS of qoima during each intake (goal <= 128 MiB whatever the
#    deposit size);
#  - how the cost grows: the same intake at 2x and 4x the small-file count,
#    each with the ratio time(2N)/time(N) to the one before (goal <= 2.1)
#    and hashdeep over each tree beside it.
# Sizes can be lowered for a quick look: QOIMA_BENCH_ISO_MB, QOIMA_BENCH_SMALL_FILES
# (0 skips that part), QOIMA_BENCH_SCALE_STEPS (doublings after the first
# small-file run, default 2: 100k, 200k, 400k; 0 skips them).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${QOIMA_BUILD:-build/release}
qoima=$(readlink -f "$build/cli/qoima")
[ -x "$qoima" ] || { echo "intake bench: $qoima is missing" >&2; exit 1; }
iso_mb=${QOIMA_BENCH_ISO_MB:-2048}
small=${QOIMA_BENCH_SMALL_FILES:-100000}
work=$(mktemp -d /var/tmp/qoima-bench.XXXXXX)
tmpfs=$(mktemp -d /dev/shm/qoima-bench.XXXXXX)
swtpm_pid=""
cleanup() {
  [ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null || true
  rm -rf "$work" "$tmpfs"
}
trap cleanup EXIT
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'; }

mkdir -p "$work/tpm"
swtpm socket --tpm2 --tpmstate dir="$work/tpm" --server type=unixio,path="$work/sock" \
  --ctrl type=unixio,path="$work/sock.ctrl" --flags not-need-init,startup-clear \
  --log file="$work/swtpm.log",level=1 &
swtpm_pid=$!
for _ in $(seq 100); do [ -S "$work/sock" ] && break; sleep 0.1; done
# Image files stand for the media (docs/cli.md).
export QOIMA_TCTI="swtpm:path=$work/sock" QOIMA_STATE="$work/state" QOIMA_TEST_MEDIA=1
QOIMA_PASSWORD=bench-admin-pw "$qoima" init --admin admin --surname Bench --name Admin --pcr none >/dev/null
QOIMA_USER=admin QOIMA_PASSWORD=bench-admin-pw QOIMA_NEW_PASSWORD=bench-clerk-pw \
  "$qoima" user add clerk --role clerk --surname Bench --name Clerk >/dev/null
export QOIMA_USER=clerk QOIMA_PASSWORD=bench-clerk-pw
cat >"$work/form.json" <<'JSON'
{"portal_code":"BENCH-1","applicant":"bench","software_name":"bench","items":[{"name":"disc"}],
 "owner":{"full_name":"bench"}}
JSON
"$qoima" application add --form "$work/form.json" --number B-1 --received "$(date +%F)" --state-body b --head h >/dev/null
# Acceptance needs the NDA signed by both parties on record.
"$qoima" application nda BENCH-1 --owner-rep "Bench Owner" --owner-authority Charter --operator-rep "Bench Operator" \
  --signed "$(date +%F)" >/dev/null

rss_of() { awk '/Maximum resident set size/ {printf "%.1f", $NF / 1024}' "$1"; }

# --- 1. large files on ISO9660 ---------------------------------------------
if [ "$iso_mb" -gt 0 ]; then
mkdir -p "$work/big"
per=$((iso_mb / 4))
for i in 1 2 3 4; do head -c "${per}M" /dev/urandom >"$work/big/part$i.bin"; done
"$qoima" act create "$work/big" --application BENCH-1 --software bench --out "$work/big.json" >/dev/null
xorriso -as mkisofs -R -J -V BENCH -o "$work/big.iso" "$work/big" 2>/dev/null
rm -rf "$work/big"
sync  # as below: the intake's syncfs must not write back the bench's image
cat "$work/big.iso" >/dev/null  # same page-cache state for both
t=$(now); sha256sum "$work/big.iso" >/dev/null; base=$(since "$t")
t=$(now)
/usr/bin/time -v -o "$work/big.time" "$qoima" intake --application BENCH-1 --manifest "$work/big.json" \
  --medium "$work/big.iso" --accept >/dev/null
ours=$(since "$t")
bytes=$(stat -c %s "$work/big.iso")
echo "iso ${iso_mb} MiB large files: qoima intake ${ours}s ($(ratio "$bytes" "$ours" | awk '{printf "%.0f", $1/1048576}') MiB/s)," \
  "sha256sum ${base}s; throughput ratio $(ratio "$base" "$ours")x (goal >= 0.8), peak RSS $(rss_of "$work/big.time") MiB (goal <= 128)"
rm -f "$work/big.iso"
fi

# --- 2. 100k small files on FAT32 ------------------------------------------
# small_run N NAME [ACT]: a tree of N small files, its act and a FAT32 image;
# then hashdeep over the tree and our intake of the image. ACT "json" (the
# default) is `qoima act create`'s; "hashdeep" is the baseline's own output
# (`hashdeep -r -l`: size, MD5, SHA-256, path), the form that stays under
# the act's 64 MiB limit at 400k files. Sets ours, base, rss, cpu (user +
# system seconds of the intake, which the machine's load distorts less).
small_run() {
  local n=$1 name=$2 form=${3:-json}
  rm -rf "$tmpfs/$name"
  mkdir -p "$tmpfs/$name"
  python3 - "$tmpfs/$name" "$n" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // 1000))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.txt" % i), "wb") as f:
        f.write(os.urandom(64 + i % 1024))
PY
  local act=$work/$name.json
  if [ "$form" = json ]; then
    "$qoima" act create "$tmpfs/$name" --application BENCH-1 --software bench --out "$act" >/dev/null
  else
    act=$work/$name.hashdeep.txt
  fi
  local size_mb=$(( $(du -sm "$tmpfs/$name" | cut -f1) * 3 + 256 ))
  mkfs.fat -F 32 -C "$work/$name.img" $((size_mb * 1024)) >/dev/null
  MTOOLS_SKIP_CHECK=1 mcopy -s -m -i "$work/$name.img" "$tmpfs/$name"/* ::/
  # The image was just written to the store's filesystem: flush it now, or the
  # intake's syncfs barrier would pay for writing back the bench's own image (a
  # real medium is another device).
  sync
  local t
  t=$(now); (cd "$tmpfs/$name" && hashdeep -r -l . >"$work/$name.hashdeep.txt"); base=$(since "$t")
  t=$(now)
  /usr/bin/time -v -o "$work/$name.time" "$qoima" intake --application BENCH-1 --manifest "$act" \
    --medium "$work/$name.img" --accept >/dev/null
  ours=$(since "$t")
  rss=$(rss_of "$work/$name.time")
  cpu=$(awk -F': ' '/User time|System time/ {c += $2} END {printf "%.2f", c}' "$work/$name.time")
  rm -rf "$tmpfs/$name" "$work/$name.img"
}

# Any command that logs in pays for Argon2id's memory (the password hash's
# cost) once, before it does anything: a floor no intake can go below.
/usr/bin/time -v -o "$work/login.time" "$qoima" application show BENCH-1 >/dev/null
floor=$(rss_of "$work/login.time")
echo "login alone (application show): peak RSS ${floor} MiB (Argon2id's memory cost; the floor of every command)"

[ "$small" -gt 0 ] || exit 0
small_run "$small" small
echo "fat32 ${small} small files: qoima intake ${ours}s wall, ${cpu}s CPU = $(ratio "$small" "$ours" | awk '{printf "%.0f", $1}') files/s" \
  "(goal >= 20000), hashdeep -r on tmpfs ${base}s ($(ratio "$small" "$base" | awk '{printf "%.0f", $1}') files/s);" \
  "ratio to hashdeep $(ratio "$base" "$ours")x (goal >= 1.0), peak RSS ${rss} MiB (goal <= 128); load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 3. doubling the deposit: does the cost grow linearly? -----------------
# N, 2N, 4N files, each act the baseline's hashdeep list (a JSON act of 400k
# files is over the 64 MiB limit). Every run commits into the same store,
# which grows as it does in service. time(2N)/time(N) goal: <= 2.1, in wall
# time and in CPU time; hashdeep's own ratio over the same trees is beside it.
steps=${QOIMA_BENCH_SCALE_STEPS:-2}
n=$small prev_ours="" prev_cpu="" prev_base=""
for ((k = 0; k <= steps && steps > 0; k++)); do
  small_run "$n" "scale$n" hashdeep
  line="fat32 ${n} small files, hashdeep-list act: qoima intake ${ours}s wall, ${cpu}s CPU"
  line+=" = $(ratio "$n" "$ours" | awk '{printf "%.0f", $1}') files/s; hashdeep ${base}s; ratio to hashdeep $(ratio "$base" "$ours")x"
  if [ -n "$prev_ours" ]; then
    line+="; time(${n})/time($((n / 2))) $(ratio "$ours" "$prev_ours") wall, $(ratio "$cpu" "$prev_cpu") CPU (goal <= 2.1),"
    line+=" hashdeep's $(ratio "$base" "$prev_base")"
  fi
  echo "$line; peak RSS ${rss} MiB (goal <= 128); load $(cut -d' ' -f1-3 /proc/loadavg)"
  prev_ours=$ours prev_cpu=$cpu prev_base=$base
  n=$((n * 2))
done
