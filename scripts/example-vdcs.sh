#!/usr/bin/env bash
# Lists each example VDC as "NAME DIRECTORY": examples/NAME, or its vdc/
# for an example that is a repository layout (examples/gitops). Not VDCs:
# examples/targets (Targets) and examples/serve (a server's configuration).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
for example in "$root"/examples/*/; do
  name="$(basename "$example")"
  [ "$name" = targets ] || [ "$name" = serve ] && continue
  directory="${example%/}"
  [ -d "$directory/vdc" ] && directory="$directory/vdc"
  echo "$name $directory"
done
