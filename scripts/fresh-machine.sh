#!/usr/bin/env bash
# Times the README's commands as a first-time user meets them: on a fresh
# Debian 12 root made with debootstrap (nothing installed but the base
# system), from a fresh clone of this repository, it runs scripts/demo.sh,
# then VDC_QUICK=1 scripts/test.sh (installs and builds the rest, then runs
# ctest; the sanitizer, fuzz and real-datacenter stages need a machine of
# their own and are timed by CI), and prints how long each took. Needs root
# and the network (deb.debian.org).
#
#   scripts/fresh-machine.sh [ROOT]     (default /var/tmp/vdc-fresh, made anew)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
root="${1:-/var/tmp/vdc-fresh}"
export DEBIAN_FRONTEND=noninteractive
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }

unmount() { for dir in sys dev/pts dev proc; do umount "$root/$dir" 2>/dev/null || true; done; }
trap unmount EXIT
unmount
rm -rf "$root"
echo "== debootstrap bookworm into $root"
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
cp /etc/resolv.conf "$root/etc/resolv.conf"
for dir in proc dev dev/pts sys; do mount --bind "/$dir" "$root/$dir"; done
git clone -q "$repo" "$root/root/vdc"

timed() {
  local what="$1"
  shift
  local started
  started=$(date +%s)
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -c "cd /root/vdc && $*" \
    >"$root/root/$what.log" 2>&1 || { tail -30 "$root/root/$what.log"; exit 1; }
  echo "$what: $(( $(date +%s) - started )) s"
}
timed demo ./scripts/demo.sh
timed test-quick VDC_QUICK=1 ./scripts/test.sh
tail -1 "$root/root/test-quick.log"
