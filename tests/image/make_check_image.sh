#!/usr/bin/env bash
# Builds the boot tests' reader-check flavour of the appliance image and the
# depositor's USB stick it reads (a real FAT32 file system made by mkfs.fat
# and mtools, long names with Kazakh letters). The flavour is the appliance
# image with check-flavour/ laid over its root (scripts/image --overlay): a
# unit that reads the stick through the sandboxed reader as the qoima user
# under the kiosk's hardening and compares it with the act baked beside it;
# a unit that seeds a clerk, an auditor and an application with the `qoima`
# command once; a unit that prints the auditor's view of the store (journal,
# intake, audit log) on the console before the kiosk starts. Not a product
# image.
#
#   make_check_image.sh OUT_DIR [scripts/image arguments...]
#
# OUT_DIR gets the image's artifacts (scripts/image), stick.img (the deposit
# the reader-check unit reads) and intake-stick.img (the deposit with its act,
# for an intake at the kiosk; act.digest is the paper act's digest).
# QOIMA_IMAGE_WORK, when set, lets scripts/image reuse a finished root tree.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: make_check_image.sh OUT_DIR [scripts/image args]" >&2; exit 2; }
out=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1

# The deposit: a small tree, one file of 3 MiB (fixed bytes: AES-CTR of zeros
# under a zero key) so the read spans many clusters.
tree=$work/tree
mkdir -p "$tree/src" "$tree/docs" "$tree/data"
printf 'int main() { return 0; }\n' > "$tree/src/қойма.cpp"
printf 'Пайдаланушы нұсқаулығы\n' > "$tree/docs/нұсқаулық.txt"
printf 'е-Өтініш\n' > "$tree/README"
head -c $((3 * 1024 * 1024)) /dev/zero | openssl enc -aes-128-ctr -nosalt -K 00000000000000000000000000000000 \
  -iv 00000000000000000000000000000000 > "$tree/data/мұрағат.bin"
rm -f "$out/stick.img"
mkfs.fat -F 32 -n DEPOSIT1 -i 5141C0DE -C "$out/stick.img" $((64 * 1024)) >/dev/null
(cd "$tree" && mcopy -s -i "$out/stick.img" src docs data README ::/)

# The act: a sha256sum list of the tree, as the depositor's Linux tools write it.
mkdir -p "$work/overlay"
cp -a "$here/check-flavour/." "$work/overlay/"
(cd "$tree" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs -d '\n' sha256sum) \
  > "$work/overlay/usr/lib/qoima-check/act.sha256"
cp "$work/overlay/usr/lib/qoima-check/act.sha256" "$out/act.sha256"

# The intake stick: the same deposit with its act at the root, as a depositor
# brings it to the counter; the kiosk takes the intake from it. The paper
# act's digest is the SHA-256 of that file.
rm -f "$out/intake-stick.img"
cp "$out/act.sha256" "$tree/act.sha256"
mkfs.fat -F 32 -n DEPOSIT2 -i 5141C0DF -C "$out/intake-stick.img" $((64 * 1024)) >/dev/null
(cd "$tree" && mcopy -s -i "$out/intake-stick.img" src docs data README act.sha256 ::/)
sha256sum "$out/act.sha256" | cut -c1-64 > "$out/act.digest"

"$src/scripts/image" --out "$out" --overlay "$work/overlay" "$@"
