# Every third-party library flopwall builds against, found once here.

find_package(MPI REQUIRED COMPONENTS C)
# flopwall uses MPI's C API only; keep Open MPI's deprecated C++ bindings out
# of every translation unit (they would need libmpi_cxx at link time).
target_compile_definitions(MPI::MPI_C INTERFACE OMPI_SKIP_MPICXX MPICH_SKIP_MPICXX)

# The trace is written with parallel HDF5 (one file, every rank writes its own
# events), so the serial build is not enough.
set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "flopwall needs a parallel (MPI) HDF5 build; found a serial one "
                      "(Debian: apt-get install libhdf5-openmpi-dev)")
endif()

find_package(Boost 1.71 REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3.9 REQUIRED)
find_package(fmt 8 REQUIRED)

find_package(PkgConfig REQUIRED)
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc)

# One imported target that carries HDF5's include path, libraries and
# definitions, so the rest of the build links it like any other.
add_library(flopwall_hdf5 INTERFACE)
target_include_directories(flopwall_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
target_link_libraries(flopwall_hdf5 INTERFACE ${HDF5_C_LIBRARIES} MPI::MPI_C)
target_compile_definitions(flopwall_hdf5 INTERFACE ${HDF5_DEFINITIONS})
