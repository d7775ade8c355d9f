#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and
# runs each for FUZZ_SECONDS (default 26), seeded from the examples and the
# tests. A crash stops the run, leaves crash-* in build-fuzz/ and fails; the
# input then becomes a test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${FUZZ_SECONDS:-26}"
cd "$root"
if [ ! -f build-fuzz/CMakeCache.txt ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DVDC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build-fuzz --parallel "$(nproc)"

corpus="build-fuzz/corpus"
mkdir -p "$corpus/manifest" "$corpus/plan" "$corpus/bundle" "$corpus/etcd_answer" "$corpus/request"
# Answers as etcd's gateway gives them, and requests as the console makes them.
printf '%s' '{"header":{"cluster_id":"14841639068965178418","revision":"12"},"ID":"7587870","TTL":"30"}' > "$corpus/etcd_answer/grant"
printf '%s' '{"result":{"header":{"cluster_id":"1"},"ID":"7587870","TTL":"29"}}' > "$corpus/etcd_answer/keepalive"
printf '%s' '{"header":{"revision":"13"},"succeeded":true,"responses":[{"response_put":{}}]}' > "$corpus/etcd_answer/created"
printf '%s' '{"succeeded":false,"responses":[{"response_range":{"kvs":[{"key":"L3ZkYy9sb2Nrcy9zaG9w","value":"dmRjIGFwcGx5","create_revision":"9","lease":"5"}]}}]}' > "$corpus/etcd_answer/held"
printf '%s' '{"kvs":[{"key":"a2V5","value":"dg==","create_revision":"3"}],"count":"1"}' > "$corpus/etcd_answer/range"
printf '%s\n%s' '/api/v1/vdcs/shop/plans' '{"revision":"0123456789012345678901234567890123456789"}' > "$corpus/request/plan"
printf '%s\n' '/api/v1/vdcs/shop/graph?format=svg&x=%E2%82%AC+1' > "$corpus/request/graph"
printf '%s\n' '/console/console.js' > "$corpus/request/console"
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
for target in manifest plan bundle etcd_answer request; do
  echo "== fuzzing $target for ${seconds}s"
  build-fuzz/fuzz/${target}_fuzzer -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix=build-fuzz/ "$corpus/$target" 2>&1 | tail -4
  test "${PIPESTATUS[0]}" -eq 0
done
