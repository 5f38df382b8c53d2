#pragma once
// The CPU backend: OpenBLAS GEMMs and the project's CPU kernels on host memory.
#include <memory>

#include "backend/device.hpp"
#include "kernels/cpu/bf16_gemm.hpp"

namespace flopwall {

// `blas_threads` OpenBLAS threads per rank (1 by default: one core per rank).
std::unique_ptr<Device> make_cpu_device(DType dtype, int blas_threads);
// The same, with bf16's GEMM (cblas_sbgemm) looked up through `blas` instead
// of the loaded OpenBLAS: tests pass a resolver without it (the refusal) or
// with a reference sbgemm. Refuses (UsageError) bf16 when `blas` lacks it.
std::unique_ptr<Device> make_cpu_device(DType dtype, int blas_threads, const kernels::cpu::SymbolResolver& blas);

}  // namespace flopwall
