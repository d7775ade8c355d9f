#!/usr/bin/env bash
# Builds the end-to-end tests' guest images from Debian packages, with no
# network beyond Debian's mirror and no loop devices:
# - guest.img: a Debian cloud kernel, a busybox initramfs whose init is
#   tests/e2e/guest/init, and GRUB, in one bootable raw disk image (a hybrid
#   ISO made by grub-mkrescue);
# - container.img: the same busybox and init as a container's root file
#   system, a raw ext4 image (made by mke2fs from a directory).
#
#   scripts/guest-image.sh OUT_DIR      # writes OUT_DIR/guest.img (about 20 MB) and OUT_DIR/container.img
#
# The kernel package is downloaded once into OUT_DIR/cache.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
cache="$out/cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Drivers the guest needs that the cloud kernel builds as modules: virtio
# disks and NICs, and the IDE CD-ROM with ISO 9660 for the NoCloud seed.
modules="virtio_pci virtio_blk virtio_net ata_piix sr_mod isofs"

mkdir -p "$cache"
package=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image/ {print $2; exit}')
if ! ls "$cache/$package"_*.deb >/dev/null 2>&1; then
  (cd "$cache" && apt-get download "$package" >/dev/null 2>&1)
fi
dpkg-deb -x "$cache/$package"_*.deb "$work/kernel"
release=$(ls "$work/kernel/lib/modules")
moddir="$work/kernel/lib/modules/$release"

# Every module with what it depends on, dependencies first.
declare -A seen=()
order=()
add_module() {
  local name=$1 file dep
  [ -n "${seen[$name]:-}" ] && return 0
  seen[$name]=1
  file=$(find "$moddir" -name "$name.ko" -o -name "${name//_/-}.ko" | head -1)
  if [ -z "$file" ]; then
    grep -q "/$name.ko" "$moddir/modules.builtin" && return 0
    echo "guest-image: module $name not found in $package" >&2
    exit 1
  fi
  for dep in $(/sbin/modinfo -F depends "$file" | tr ',' ' '); do add_module "$dep"; done
  order+=("${file#"$moddir"/}")
}
for module in $modules; do add_module "$module"; done

root="$work/initramfs"
mkdir -p "$root/bin" "$root/etc" "$root/lib/modules"
cp /bin/busybox "$root/bin/busybox"
install -m 755 "$here/tests/e2e/guest/init" "$root/init"
install -m 755 "$here/tests/e2e/guest/udhcpc.script" "$root/etc/udhcpc.script"
for file in "${order[@]}"; do
  mkdir -p "$root/lib/modules/$(dirname "$file")"
  cp "$moddir/$file" "$root/lib/modules/$file"
done
printf '%s\n' "${order[@]}" > "$root/lib/modules/load-order"

iso="$work/iso"
mkdir -p "$iso/boot/grub"
cp "$work/kernel/boot/vmlinuz-$release" "$iso/boot/vmlinuz"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$iso/boot/initrd.gz"
cat > "$iso/boot/grub/grub.cfg" <<'EOF'
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry guest {
  linux /boot/vmlinuz console=ttyS0,115200 quiet panic=5
  initrd /boot/initrd.gz
}
EOF
grub-mkrescue --quiet -d /usr/lib/grub/i386-pc -o "$out/guest.img.tmp" "$iso" 2>/dev/null
mv "$out/guest.img.tmp" "$out/guest.img"

# A container runs the init as /sbin/init; it needs no kernel or modules.
rootfs="$work/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/sbin" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
install -m 755 "$here/tests/e2e/guest/init" "$rootfs/sbin/init"
install -m 755 "$here/tests/e2e/guest/udhcpc.script" "$rootfs/etc/udhcpc.script"
rm -f "$out/container.img.tmp"
mke2fs -q -t ext4 -L rootfs -d "$rootfs" "$out/container.img.tmp" 16M >/dev/null
mv "$out/container.img.tmp" "$out/container.img"
echo "guest-image: $out/guest.img and $out/container.img ($(du -h "$out/guest.img" | cut -f1), kernel $release)"
