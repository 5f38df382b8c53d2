#!/usr/bin/env bash
# Gathers, on this Debian 12 machine, the .deb files of every library the
# flopwall build needs that the GPU machine lacks (MPI, parallel HDF5, Boost,
# OpenBLAS, fmt, nlohmann-json, hwloc, libdeflate, GoogleTest, pkg-config), into
# .gpu-deps/debs/. device-check.sh unpacks them there (with unpack_debs.py:
# Python, as dpkg-deb may be missing) into a private prefix.
# Carry the folder with the run: carry=[".gpu-deps"] (it must stay < 64 MiB).
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(
  libopenmpi-dev libopenmpi3 openmpi-bin openmpi-common
  libpmix2 libevent-core-2.1-7 libevent-pthreads-2.1-7 libfabric1 libucx0 libpsm2-2 libpsm-infinipath1
  libibverbs1 librdmacm1 libnl-3-200 libnl-route-3-200 libhwloc15 libhwloc-plugins libhwloc-dev libxnvctrl0
  libmunge2 libgfortran5
  libhdf5-openmpi-dev libhdf5-openmpi-103-1 libsz2 libaec0 libcurl4
  libboost1.74-dev libboost-program-options1.74-dev libboost-program-options1.74.0 libboost-program-options-dev
  libopenblas-dev libopenblas-pthread-dev libopenblas0-pthread libopenblas0
  nlohmann-json3-dev libfmt-dev libfmt9
  libdeflate-dev libdeflate0
  libgtest-dev
  pkgconf pkgconf-bin libpkgconf3
)

dest=.gpu-deps/debs
rm -rf .gpu-deps  # all of it: everything under it travels with the run
mkdir -p "$dest"
[[ -n $(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial) ]] || apt-get update -qq
(cd "$dest" && apt-get download -qq "${packages[@]}")
size_kib=$(du -sk .gpu-deps | cut -f1)
echo "prepare-deps: $(ls "$dest" | wc -l) packages, $((size_kib / 1024)) MiB in .gpu-deps"
if ((size_kib > 60 * 1024)); then
  echo "prepare-deps: .gpu-deps is over 60 MiB; the device run carries at most 64 MiB" >&2
  exit 1
fi
