#!/usr/bin/env bash
# The end-to-end suite on a real datacenter of this machine: installs and
# starts libvirtd, virtlogd and Open vSwitch (scripts/datacenter.sh) unless a
# libvirtd already answers, builds the guest image (scripts/guest-image.sh),
# runs tests/e2e and stops what it started. Needs root and a built tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/datacenter.sh" install
"$root/scripts/guest-image.sh" "$root/build/e2e"
if ! virsh -c qemu:///system version >/dev/null 2>&1; then
  trap '"$root/scripts/datacenter.sh" stop' EXIT
  "$root/scripts/datacenter.sh" start
fi
VDC_E2E_GUEST="$root/build/e2e/guest.img" "$root/build/tests/e2e_test" "$@"
