#pragma once
// Every MPI call goes through FLOPWALL_MPI_CHECK: a failure throws with
// file:line, rank, the call text and MPI's own error string. The world
// communicator's error handler is MPI_ERRORS_RETURN so errors reach us.
#include <mpi.h>

#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace flopwall {

std::string mpi_error_string(int code);

}  // namespace flopwall

#define FLOPWALL_MPI_CHECK(call)                                                                          \
  do {                                                                                                    \
    const int flopwall_mpi_rc_ = (call);                                                                  \
    if (flopwall_mpi_rc_ != MPI_SUCCESS)                                                                  \
      throw std::runtime_error(                                                                           \
          ::flopwall::failure_message(__FILE__, __LINE__, #call, ::flopwall::mpi_error_string(flopwall_mpi_rc_))); \
  } while (0)

// For destructors: never throws, ignores the result.
#define FLOPWALL_MPI_CHECK_NOTHROW(call) static_cast<void>(call)
