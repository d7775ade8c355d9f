#!/usr/bin/env bash
# Installs what vdc needs, builds it and runs the whole test suite: the unit,
# end-to-end, fault and schema tests (ctest), then the same suite under
# AddressSanitizer and UndefinedBehaviorSanitizer, then each fuzz target and
# the change model's random edits (tests/model_test.cc) for a bounded time,
# then the end-to-end suite on a real datacenter started on this machine
# (scripts/e2e.sh, needs root). VDC_QUICK=1 runs the first part
# only; VDC_E2E=0 leaves out the real datacenter.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
stage() { echo "== $1 ($(( $(date +%s) - start ))s so far)"; }
start=$(date +%s)
stage "installing"
"$root/scripts/install-deps.sh" --tests
stage "building"
"$root/scripts/build.sh"
stage "testing"
# Two tests at a time on two cores: most wait on processes, sockets and
# libvirt as much as they compute (those that time leases run alone).
(cd "$root/build" && ctest --output-on-failure --timeout 600 -j "$(nproc)" "$@") | tee -a "$log"
if [ "${VDC_QUICK:-0}" != 1 ]; then
  stage "the test suite under ASan and UBSan"
  "$root/scripts/sanitize.sh" | tee -a "$log"
  stage "fuzzing"
  "$root/scripts/fuzz.sh"
  # The change model's random edits, hand changes and faults, on fresh seeds
  # for as long: a failure is shrunk and written to build/model-failure.json.
  (cd "$root/build" && VDC_MODEL_SECONDS="${MODEL_SECONDS:-30}" ./tests/model_test --gtest_filter='*Random*')
  fuzzed=4
  if [ "${VDC_E2E:-1}" != 0 ]; then
    stage "end to end on a real datacenter"
    # The fault sweep on the real host at every third call: each costs the
    # host's seconds, and the plain suite swept every call on the embedded one.
    VDC_SWEEP_EVERY=3 "$root/scripts/e2e.sh" | tee -a "$log"
  fi
fi
# One closing line for the whole run (each part above stops the script on a failure).
passed=$(grep -o "tests failed out of [0-9]*" "$log" | awk '{s += $5} END {print s}')
# (no gtest summary line when the end-to-end part is left out: not an error)
passed=$((passed + $({ grep -o "^\[  PASSED  \] [0-9]* test" "$log" || true; } | awk '{s += $4} END {print s + 0}')))
stage "done"
echo "vdc: $((passed + ${fuzzed:-0})) passed, 0 failed"
