#!/usr/bin/env bash
# Installs what vdc needs, builds it and runs the whole test suite: the unit,
# end-to-end, fault and schema tests (ctest), then the same suite under
# AddressSanitizer and UndefinedBehaviorSanitizer, then each fuzz target for
# a bounded time. VDC_QUICK=1 runs the first part only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
(cd "$root/build" && ctest --output-on-failure --timeout 600 "$@") | tee -a "$log"
if [ "${VDC_QUICK:-0}" != 1 ]; then
  echo "== the test suite under ASan and UBSan"
  "$root/scripts/sanitize.sh" | tee -a "$log"
  echo "== fuzzing"
  "$root/scripts/fuzz.sh"
  fuzzed=2
fi
# One closing line for the whole run (each part above stops the script on a failure).
passed=$(grep -o "tests failed out of [0-9]*" "$log" | awk '{s += $5} END {print s}')
echo "vdc: $((passed + ${fuzzed:-0})) passed, 0 failed"
