#!/usr/bin/env bash
# The end-to-end suite on a real datacenter of this machine: installs and
# starts libvirtd, virtlogd and Open vSwitch (scripts/datacenter.sh) unless a
# libvirtd already answers, builds the guest image (scripts/guest-image.sh),
# runs tests/e2e, then the change model's random edits on the same host
# (tests/model_test.cc, about two minutes), and stops what it started.
# Arguments go to the end-to-end tests (--gtest_filter=...), and then the
# model's run is left out. Needs root and a built tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/datacenter.sh" install
"$root/scripts/guest-image.sh" "$root/build/e2e"
if ! virsh -c qemu:///system version >/dev/null 2>&1; then
  trap '"$root/scripts/datacenter.sh" stop' EXIT
  "$root/scripts/datacenter.sh" start
fi
VDC_E2E_GUEST="$root/build/e2e/guest.img" "$root/build/tests/e2e_test" "$@"
if [ $# -eq 0 ]; then
  (cd "$root/build" && VDC_MODEL_URI=qemu:///system ./tests/model_test --gtest_filter='*RealHost*')
fi
