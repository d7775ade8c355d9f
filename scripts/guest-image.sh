#!/usr/bin/env bash
# Builds the end-to-end tests' guest images from Debian packages, with no
# network beyond Debian's mirror and no loop devices:
# - guest.img: a Debian cloud kernel, a busybox initramfs whose init is
#   tests/e2e/guest/init, with HAProxy for the load balancer appliance, and
#   GRUB, in one bootable raw disk image (a hybrid ISO made by grub-mkrescue);
# - container.img: the same busybox and init as a container's root file
#   system, a raw ext4 image (made by mke2fs from a directory).
#
#   scripts/guest-image.sh OUT_DIR      # writes OUT_DIR/guest.img (about 20 MB) and OUT_DIR/container.img
#
# The kernel and HAProxy packages are downloaded once into OUT_DIR/cache.
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

# HAProxy, so that the same guest serves as the load balancer appliance:
# Debian's binary with every shared library it loads, from this machine or,
# where this machine lacks one, from its Debian package.
if [ ! -f "$cache/haproxy.list" ]; then
  queue=(haproxy)
  declare -A fetched=()
  while [ ${#queue[@]} -gt 0 ]; do
    package=${queue[0]}
    queue=("${queue[@]:1}")
    (cd "$cache" && apt-get download "$package" >/dev/null 2>&1)
    echo "$package" >> "$cache/haproxy.list.tmp"
    # Its libraries this machine does not have, and theirs in turn.
    for dependency in $(apt-cache depends "$package" | awk '$1 == "Depends:" && $2 ~ /^lib/ {print $2}'); do
      [ -n "${fetched[$dependency]:-}" ] && continue
      fetched[$dependency]=1
      dpkg -s "$dependency" >/dev/null 2>&1 || queue+=("$dependency")
    done
  done
  mv "$cache/haproxy.list.tmp" "$cache/haproxy.list"
fi
staging="$work/haproxy"
while read -r package; do
  dpkg-deb -x "$(ls "$cache/${package}"_*.deb | head -1)" "$staging"
done < "$cache/haproxy.list"
mkdir -p "$root/usr/sbin" "$root/lib/x86_64-linux-gnu" "$root/lib64"
cp "$staging/usr/sbin/haproxy" "$root/usr/sbin/haproxy"
libraries=$(LD_LIBRARY_PATH="$staging/lib/x86_64-linux-gnu:$staging/usr/lib/x86_64-linux-gnu" ldd "$staging/usr/sbin/haproxy")
if grep -q "not found" <<<"$libraries"; then
  echo "guest-image: HAProxy needs libraries that were not found:" >&2
  grep "not found" <<<"$libraries" >&2
  exit 1
fi
for library in $(awk '/=> \// {print $3}' <<<"$libraries"); do
  cp -L "$library" "$root/lib/x86_64-linux-gnu/$(basename "$library")"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"

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
