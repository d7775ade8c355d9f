#!/usr/bin/env bash
# Installs what vdc needs, builds it and runs the whole test suite: the unit,
# end-to-end, fault and schema tests (ctest), then the same suite under
# AddressSanitizer and UndefinedBehaviorSanitizer, then each fuzz target for
# a bounded time. VDC_QUICK=1 runs the first part only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
(cd "$root/build" && ctest --output-on-failure --timeout 600 "$@")
if [ "${VDC_QUICK:-0}" = 1 ]; then exit 0; fi
echo "== the test suite under ASan and UBSan"
"$root/scripts/sanitize.sh"
echo "== fuzzing"
"$root/scripts/fuzz.sh"
