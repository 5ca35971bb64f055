#!/bin/sh
# Builds the seed corpus of the filesystem and archive fuzz targets: small
# real images from the media factory (qoima-mkmedia) and small archives.
#   make_seeds.sh QOIMA_MKMEDIA OUT_DIR
set -eu
mk="$(realpath "$1")"
mkdir -p "$2"
out="$(realpath "$2")"
if [ -f "$out/.complete" ]; then exit 0; fi
rm -rf "$out"
mkdir -p "$out"
tree="$out/.tree"
mkdir -p "$tree/бастапқы код/a/b" "$tree/docs"
printf 'int main() { return 0; }\n' > "$tree/бастапқы код/негізгі.cpp"
printf 'deep\n' > "$tree/бастапқы код/a/b/терең.txt"
head -c 70000 /dev/urandom > "$tree/docs/data.bin"
(cd "$tree" && zip -qr "$out/.seed.zip" . && tar czf "$out/.seed.tgz" . && 7z a -bd -bso0 "$out/.seed.7z" . \
  && tar cJf "$out/.seed.txz" docs && find . | cpio -o -H newc --quiet > "$out/.seed.cpio")
for t in fat12 exfat ntfs iso9660 udf ext4; do
  # FAT and exFAT hold no symlinks: add one for the types that do.
  if [ "$t" = iso9660 ]; then ln -s ../docs "$tree/бастапқы код/link"; fi
  mkdir -p "$out/$t"
  "$mk" "$t" "$tree" "$out/$t/seed.img" > /dev/null
done
# The other shapes of ISO 9660 the reader knows: Joliet alone, mkisofs's
# relocated deep directories, zisofs and zisofs2 compressed files.
genisoimage -quiet -input-charset utf-8 -J -o "$out/iso9660/joliet.img" "$tree"
mkdir -p "$tree/d/1/2/3/4/5/6/7/8"
printf 'leaf\n' > "$tree/d/1/2/3/4/5/6/7/8/leaf.txt"
genisoimage -quiet -input-charset utf-8 -R -o "$out/iso9660/relocated.img" "$tree"
(cd "$out/iso9660" && xorriso -outdev zisofs.img -blank as_needed -map "$tree" / -set_filter_r --zisofs / -- \
  -commit > /dev/null 2>&1 && xorriso -outdev zisofs2.img -blank as_needed -zisofs version_2=on -map "$tree" / \
  -set_filter_r --zisofs / -- -commit > /dev/null 2>&1)
mkdir -p "$out/fat" "$out/ext" "$out/archive"
mv "$out/fat12/seed.img" "$out/fat/seed.img"
mv "$out/ext4/seed.img" "$out/ext/seed.img"
cp "$out/ext/seed.img" "$out/ext/seed-2.img"  # a second ext image with the archive on it
for a in zip tgz 7z txz cpio; do mv "$out/.seed.$a" "$out/archive/seed.$a"; done
rmdir "$out/fat12" "$out/ext4"
rm -rf "$tree"
touch "$out/.complete"
