#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install what vdc needs, build
# it, then plan and apply the web shop example on the embedded datacenter.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" vdc  # the binary alone: the tests are scripts/test.sh's
vdc="$root/build/cli/vdc"
example="${1:-$root/examples/webshop}"

# The embedded datacenter lives in .vdc/sim.xml under the current directory.
mkdir -p "$root/demo" && cd "$root/demo"
echo "== vdc plan $example"
"$vdc" plan "$example"
echo "== vdc apply $example"
"$vdc" apply "$example" --auto-approve
echo "== vdc plan again: nothing left to do"
"$vdc" plan "$example"
echo
echo "The datacenter is in $root/demo/.vdc/sim.xml; look at it with"
echo "  virsh -c test://$root/demo/.vdc/sim.xml list --all"
