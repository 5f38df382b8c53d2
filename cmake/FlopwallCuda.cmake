# FLOPWALL_CUDA=AUTO|ON|OFF decides whether the CUDA + NCCL backend is built.
# The backend itself lives behind the Device/Communicator seams; until its
# sources land, ON is refused with a clear message instead of silently
# building a CPU-only binary.
string(TOUPPER "${FLOPWALL_CUDA}" FLOPWALL_CUDA)
if(NOT FLOPWALL_CUDA MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "FLOPWALL_CUDA=${FLOPWALL_CUDA} is not valid; use AUTO, ON or OFF")
endif()

set(FLOPWALL_HAVE_CUDA OFF)
if(FLOPWALL_CUDA STREQUAL "ON")
  message(FATAL_ERROR "FLOPWALL_CUDA=ON: the CUDA backend is not part of this build yet; "
                      "use FLOPWALL_CUDA=AUTO or OFF")
elseif(FLOPWALL_CUDA STREQUAL "AUTO")
  message(STATUS "flopwall: CUDA backend not available in this source tree; building the CPU backend only")
endif()
