# FLOPWALL_CUDA=AUTO|ON|OFF decides whether the CUDA + NCCL backend is built.
#   AUTO: whenever nvcc, cuBLASLt and NCCL are found (else CPU only, said once)
#   ON:   they must be found, or configuration fails naming what is missing
#   OFF:  the CPU backend only
string(TOUPPER "${FLOPWALL_CUDA}" FLOPWALL_CUDA)
if(NOT FLOPWALL_CUDA MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "FLOPWALL_CUDA=${FLOPWALL_CUDA} is not valid; use AUTO, ON or OFF")
endif()

set(FLOPWALL_HAVE_CUDA OFF)
# The CUDA backend is a plugin loaded at run time, beside the binary
# (src/CMakeLists.txt, docs/gpu.md); the versions it is built against are
# known here, so `flopwall --version` names them without loading it.
set(FLOPWALL_CUDA_PLUGIN_FILE libflopwall_cuda.so)
set(FLOPWALL_CUDA_BUILT_VERSION "none")
set(FLOPWALL_NCCL_BUILT_VERSION "none")

function(flopwall_cuda_missing what)
  if(FLOPWALL_CUDA STREQUAL "ON")
    message(FATAL_ERROR "FLOPWALL_CUDA=ON but ${what}; install it or configure with -DFLOPWALL_CUDA=AUTO|OFF")
  endif()
  message(STATUS "flopwall: ${what}; building the CPU backend only")
endfunction()

if(NOT FLOPWALL_CUDA STREQUAL "OFF")
  # nvcc is often installed but not on PATH.
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc CACHE FILEPATH "CUDA compiler")
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER AND NOT EXISTS "${CMAKE_CUDA_COMPILER}")
    flopwall_cuda_missing("the CUDA compiler ${CMAKE_CUDA_COMPILER} does not exist")
  elseif(NOT CMAKE_CUDA_COMPILER)
    flopwall_cuda_missing("no CUDA compiler (nvcc) was found")
  else()
    # One architecture by default keeps builds short: Hopper, SASS plus PTX
    # ("90" is both) so newer GPUs can JIT the PTX.
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90 CACHE STRING "CUDA architectures")
    endif()
    # One CUDA runtime in the process: the shared one the host code links.
    set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
    enable_language(CUDA)
    # CMake 3.25 knows no C++20 flag for nvcc; the .cu files need only C++17.
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit)
    find_package(NCCL)
    if(NOT CUDAToolkit_FOUND OR NOT TARGET CUDA::cublasLt)
      flopwall_cuda_missing("the CUDA toolkit libraries (cudart, cuBLASLt) were not found")
    elseif(NOT NCCL_FOUND)
      flopwall_cuda_missing("NCCL was not found (set NCCL_ROOT to its install prefix)")
    else()
      set(FLOPWALL_HAVE_CUDA ON)
      set(FLOPWALL_CUDA_BUILT_VERSION "${CUDAToolkit_VERSION}")
      set(FLOPWALL_NCCL_BUILT_VERSION "${NCCL_VERSION}")
      message(STATUS "flopwall: CUDA backend enabled (CUDA ${CUDAToolkit_VERSION}, NCCL ${NCCL_VERSION}, "
                     "architectures ${CMAKE_CUDA_ARCHITECTURES})")
    endif()
  endif()
endif()
