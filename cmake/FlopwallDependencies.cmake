# Every third-party library flopwall builds against, found once here.

find_package(MPI REQUIRED COMPONENTS C)
# flopwall uses MPI's C API only; keep Open MPI's deprecated C++ bindings out
# of every translation unit (they would need libmpi_cxx at link time).
target_compile_definitions(MPI::MPI_C INTERFACE OMPI_SKIP_MPICXX MPICH_SKIP_MPICXX)

# The trace is written with parallel HDF5 (one file, every rank writes its own
# events), so the serial build is not enough. Debian and Ubuntu ship the MPI
# build with a pkg-config file, which also works from a relocated prefix
# (PKG_CONFIG_SYSROOT_DIR, as tests/gpu/device-check.sh uses); elsewhere
# CMake's FindHDF5 looks for a parallel build.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HDF5_OPENMPI QUIET IMPORTED_TARGET hdf5-openmpi)
add_library(flopwall_hdf5 INTERFACE)
if(HDF5_OPENMPI_FOUND)
  target_link_libraries(flopwall_hdf5 INTERFACE PkgConfig::HDF5_OPENMPI MPI::MPI_C)
  message(STATUS "flopwall: parallel HDF5 ${HDF5_OPENMPI_VERSION} (pkg-config hdf5-openmpi)")
else()
  set(HDF5_PREFER_PARALLEL TRUE)
  find_package(HDF5 REQUIRED COMPONENTS C)
  if(NOT HDF5_IS_PARALLEL)
    message(FATAL_ERROR "flopwall needs a parallel (MPI) HDF5 build; found a serial one "
                        "(Debian: apt-get install libhdf5-openmpi-dev)")
  endif()
  target_include_directories(flopwall_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
  target_link_libraries(flopwall_hdf5 INTERFACE ${HDF5_C_LIBRARIES} MPI::MPI_C)
  target_compile_definitions(flopwall_hdf5 INTERFACE ${HDF5_DEFINITIONS})
endif()

find_package(Boost 1.71 REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3.9 REQUIRED)
find_package(fmt 8 REQUIRED)

pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc)
# libdeflate inflates events chunks (trace/event_chunks.cpp) about twice as
# fast as zlib through HDF5's filters; without it HDF5 reads them.
pkg_check_modules(LIBDEFLATE QUIET IMPORTED_TARGET libdeflate)
add_library(flopwall_libdeflate INTERFACE)
if(LIBDEFLATE_FOUND)
  target_link_libraries(flopwall_libdeflate INTERFACE PkgConfig::LIBDEFLATE)
  target_compile_definitions(flopwall_libdeflate INTERFACE FLOPWALL_HAVE_LIBDEFLATE=1)
  message(STATUS "flopwall: libdeflate ${LIBDEFLATE_VERSION}: trace events chunks inflated with libdeflate")
else()
  target_compile_definitions(flopwall_libdeflate INTERFACE FLOPWALL_HAVE_LIBDEFLATE=0)
  message(STATUS "flopwall: libdeflate not found (pkg-config libdeflate): trace events read through HDF5's "
                 "filters (slower; apt-get install libdeflate-dev)")
endif()
