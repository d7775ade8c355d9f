#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and
# runs each for FUZZ_SECONDS (default 60), seeded from the examples and the
# tests. A crash stops the run, leaves crash-* in build-fuzz/ and fails; the
# input then becomes a test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${FUZZ_SECONDS:-60}"
cd "$root"
if [ ! -f build-fuzz/CMakeCache.txt ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DVDC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build-fuzz --parallel "$(nproc)"

corpus="build-fuzz/corpus"
mkdir -p "$corpus/manifest" "$corpus/plan" "$corpus/bundle"
python3 fuzz/seed_bundles.py "$corpus/bundle"
find examples -name '*.yaml' | while read -r file; do
  cp "$file" "$corpus/manifest/$(echo "$file" | tr / _)"
done
# Saved plans of every example, against an empty datacenter and a destroy.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$root/scripts/example-vdcs.sh" | while read -r name directory; do
  (cd "$scratch" && "$root/build/cli/vdc" plan "$directory" --out "$root/$corpus/plan/$name.plan" >/dev/null 2>&1)
done

export ASAN_OPTIONS=detect_leaks=0
# The bundle target unpacks into a scratch directory of its own under here.
export TMPDIR="$root/build-fuzz/tmp"
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
for target in manifest plan bundle; do
  echo "== fuzzing $target for ${seconds}s"
  build-fuzz/fuzz/${target}_fuzzer -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix=build-fuzz/ "$corpus/$target" 2>&1 | tail -4
  test "${PIPESTATUS[0]}" -eq 0
done
