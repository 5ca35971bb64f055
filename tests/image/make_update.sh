#!/usr/bin/env bash
# Makes an update file for the boot tests from a built image: the same root
# (slot content), the UKI re-stamped as VERSION (its .osrel) with a PCR 11
# policy signed for it, and the manifest signed by SIGN_KEY. With the vendor's
# key this is what `scripts/image --version VERSION` would ship; with another
# key it is a forged update.
#
#   make_update.sh IMAGE_DIR POLICY_KEY SIGN_KEY VERSION OUT_TAR
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: make_update.sh IMAGE_DIR POLICY_KEY SIGN_KEY VERSION OUT_TAR" >&2; exit 2; }
img=$1 policy_key=$2 sign_key=$3 version=$4 out=$5
work=$(mktemp -d)
swtpm_pid=""
trap '[ -z "$swtpm_pid" ] || kill "$swtpm_pid" 2>/dev/null; rm -rf "$work"' EXIT
old=$(cat "$img/version")
uki=$img/qoima_$old.efi
for s in linux initrd cmdline osrel pcrpkey; do objcopy --dump-section ".$s=$work/$s" "$uki" "$work/scratch"; done
sed -i "s/^IMAGE_VERSION=.*/IMAGE_VERSION=$version/; s/^PRETTY_NAME=.*/PRETTY_NAME=\"qoima appliance $version (Debian 12)\"/" "$work/osrel"
openssl pkey -in "$policy_key" -pubout -out "$work/pub.pem" 2>/dev/null
mkdir "$work/tpm"
swtpm socket --tpm2 --tpmstate dir="$work/tpm" --server type=unixio,path="$work/tpm/sock" \
  --ctrl type=unixio,path="$work/tpm/sock.ctrl" --flags not-need-init,startup-clear & swtpm_pid=$!
for _ in $(seq 100); do [ -S "$work/tpm/sock" ] && break; sleep 0.1; done
/usr/lib/systemd/systemd-measure sign --tpm2-device="swtpm:path=$work/tpm/sock" --linux="$work/linux" \
  --osrel="$work/osrel" --cmdline="$work/cmdline" --initrd="$work/initrd" --pcrpkey="$work/pcrpkey" --bank=sha256 \
  --private-key="$policy_key" --public-key="$work/pub.pem" > "$work/pcrsig.json" 2>/dev/null
mkdir "$work/update"
# Sections are replaced, not updated: objcopy --update-section keeps a PE
# section's old size, so a longer content would be cut to it (objcopy keeps
# the sections in address order).
objcopy --remove-section .osrel --remove-section .pcrsig "$uki" "$work/stub.efi"
objcopy --add-section .osrel="$work/osrel" --change-section-vma .osrel=0x20000 \
  --add-section .pcrsig="$work/pcrsig.json" --change-section-vma .pcrsig=0x50000 \
  "$work/stub.efi" "$work/update/qoima_$version.efi"
cp "$img/root.erofs" "$img/root.verity" "$img/roothash" "$work/update/"
printf 'qoima-update 1\nversion=%s\n' "$version" > "$work/update/manifest"
(cd "$work/update" && sha256sum "qoima_$version.efi" root.erofs root.verity roothash >> manifest)
openssl dgst -sha256 -sign "$sign_key" -out "$work/update/manifest.sig" "$work/update/manifest"
tar --format=gnu --owner=0 --group=0 --numeric-owner -C "$work/update" -cf "$out" manifest manifest.sig \
  "qoima_$version.efi" root.erofs root.verity roothash
