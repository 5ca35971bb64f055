#!/usr/bin/env bash
# The appliance image: its size, and power-on to the kiosk's first screen under
# TCG (qemu, no KVM here) against a stock Debian 12 image built from the same
# packages and booted the same way (`scripts/image --stock`: systemd-boot, UKI,
# erofs root, a getty on tty1). Builds both images when they are missing.
set -euo pipefail
build=${QOIMA_BUILD:-build/release}
[ -e build/image/qoima.img ] || scripts/image >/dev/null
[ -e build/image-stock/qoima.img ] || scripts/image --stock --out build/image-stock >/dev/null
cmake --build "$build" --target image_boot_bench >/dev/null
mib() { echo $(( $(stat -c %s "$1") / 1048576 )); }
alloc() { echo $(( $(du -k "$1" | cut -f1) / 1024 )); }
printf 'appliance image: %d MiB disk, %d MiB allocated; root erofs %d MiB; UKI %d MiB; update file %d MiB\n' \
  "$(mib build/image/qoima.img)" "$(alloc build/image/qoima.img)" "$(mib build/image/root.erofs)" \
  "$(mib build/image/qoima_*.efi)" "$(mib build/image/qoima-update_*.tar)"
printf 'stock image: root erofs %d MiB; UKI %d MiB\n' "$(mib build/image-stock/root.erofs)" \
  "$(mib build/image-stock/qoima_*.efi)"
"$build/tests/image/image_boot_bench" build/image build/image-stock
