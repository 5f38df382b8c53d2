#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test this
# machine can run (ctest: unit, MPI at 1/2/4 ranks, CLI end to end, Python).
set -euo pipefail
cd "$(dirname "$0")/.."

launch/install-deps.sh

# The h5py + pandas example runs when this Python can have both packages.
python=${PYTHON:-python3}
if ! "$python" -c "import h5py, pandas" 2>/dev/null; then
  "$python" -m pip install --quiet h5py pandas 2>/dev/null ||
    "$python" -m pip install --quiet --break-system-packages h5py pandas 2>/dev/null ||
    echo "tests/run.sh: h5py/pandas unavailable; the Python example test will not run" >&2
fi

launch/build.sh -DFLOPWALL_TESTS=ON -DFLOPWALL_BENCH=ON -DPython3_EXECUTABLE="$(command -v "$python")"

if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
ctest --test-dir build --output-on-failure -j "$(nproc)"
