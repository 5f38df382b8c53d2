#!/usr/bin/env bash
# Configures and builds flopwall into build/ (Release). Extra arguments go to
# cmake's configure step, e.g. launch/build.sh -DFLOPWALL_CUDA=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
[[ -f build/CMakeCache.txt ]] && generator=()  # keep whatever generator build/ already uses
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j "$(nproc)"
