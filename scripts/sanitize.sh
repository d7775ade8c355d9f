#!/usr/bin/env bash
# Builds the test suite (everything ctest runs: not bench/ or tests/e2e) with
# AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/ and runs
# it there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# ASan leaves globals alone (--param asan-globals=0): with UBSan beside it,
# it gave every one of UBSan's own records a red zone, a data segment of
# 127 MB that each start of vdc mapped, registered and scanned for leaks
# (a second of CPU per start, 0.15 s now; thousands of starts in the suite). The bounds of
# our arrays, strings and vectors are checked by libstdc++'s assertions
# instead, which see past the end of what a container holds, not only of
# its memory. Executables are not position-independent: their data needs
# no relocation at start.
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer --param asan-globals=0 -D_GLIBCXX_ASSERTIONS"
# Line tables only (-g1): reports still name functions, files and lines,
# with a fraction of full debug information to write and link.
if [ ! -f build-asan/CMakeCache.txt ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DVDC_BENCH_AND_E2E=OFF \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined -no-pie" >/dev/null
fi
cmake --build build-asan --parallel "$(nproc)"
# Leaks are checked: libvirt's and libxml2's process-wide caches are not ours.
export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The fault sweep of an apply and of a destroy at every sixteenth call, and
# the model test's sequences at a quarter of their length (the plain suite
# runs every call and every step): each run is several times slower here.
export VDC_SWEEP_EVERY=16
export VDC_MODEL_STEPS=25
cd build-asan
ctest --output-on-failure --timeout 900 -j "$(nproc)"
