#!/usr/bin/env bash
# Installs the Debian packages flopwall builds and tests with, only those
# missing. Used by launch/quickstart.sh (with --runtime-only: what building
# and running need) and tests/run.sh (everything); needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  openmpi-bin libopenmpi-dev
  libhdf5-openmpi-dev hdf5-tools
  libboost-program-options-dev
  libopenblas-dev
  nlohmann-json3-dev libfmt-dev libhwloc-dev
  libdeflate-dev  # the report inflates trace chunks with it (docs/architecture.md)
  libjs-chart.js  # the HTML report's charts, compiled into the binary (docs/visuals.md)
  python3
)
# Only for tests/run.sh: GoogleTest, Google Benchmark, and clang with its
# libFuzzer runtime (libclang-rt-dev, which clang does not pull in) for
# tests/fuzz/.
test_packages=(libgtest-dev libbenchmark-dev clang libclang-rt-dev)
[[ ${1:-} == --runtime-only ]] || packages+=("${test_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
[[ $(id -u) -ne 0 ]] && sudo=(sudo)
echo "flopwall: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
