#!/usr/bin/env bash
# Regenerates plans/NAME.plan.txt: the plan of examples/NAME against an empty
# embedded datacenter (examples/NAME/vdc for a repository layout). Review
# the diff before committing it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$root/scripts/example-vdcs.sh" | while read -r name directory; do
  (cd "$scratch" && rm -rf .vdc && "$root/build/cli/vdc" plan "$directory") > "$root/plans/$name.plan.txt"
  echo "plans/$name.plan.txt"
done
