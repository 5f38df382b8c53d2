#pragma once
// bfloat16 over MPI. Open MPI 4.1 (MPI 3.1) has no bfloat16 type, so it
// moves as a committed 2-byte type and its reductions are user-defined
// operations that compute in float and round to nearest even, one rounding
// per pairwise combine, as NCCL's bf16 reductions do.
#include <mpi.h>

#include <cstdint>
#include <span>

#include "collectives/reduce_op.hpp"
#include "core/bfloat16.hpp"

namespace flopwall {

// Created on first use (after MPI_Init) and freed by MPI_Finalize: both
// handles are released by a delete callback on MPI_COMM_SELF, which the MPI
// standard runs first thing in MPI_Finalize.
MPI_Datatype mpi_bfloat16();
// MPI_OP_NULL for avg (no MPI reduction), as for every other type.
MPI_Op mpi_bfloat16_op(ReduceOp op);

// inout[i] = op(in[i], inout[i]) on bfloat16 values: the operations' bodies,
// exposed for tests.
void reduce_bfloat16(ReduceOp op, std::span<const BFloat16> in, std::span<BFloat16> inout) noexcept;

}  // namespace flopwall
