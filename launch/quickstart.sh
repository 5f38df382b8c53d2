#!/usr/bin/env bash
# From a fresh Debian 12 machine to a report: install what is missing, build,
# run the tiny model on 2 MPI ranks, print the report.
set -euo pipefail
cd "$(dirname "$0")/.."

launch/install-deps.sh --runtime-only
launch/build.sh -DFLOPWALL_TESTS=OFF -DFLOPWALL_BENCH=OFF

# Open MPI refuses to run as root unless told it is intended (containers, CI).
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
out="results/quickstart-$(date -u +%Y%m%dT%H%M%SZ).h5"
mpirun -np 2 --oversubscribe build/flopwall run --model tiny --out "$out"
build/flopwall report "$out"
