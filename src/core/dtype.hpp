#pragma once
// Element types a run computes in. The CPU backend computes in fp32, fp64 or
// bf16 (bf16 storage, fp32 math; GEMMs through OpenBLAS's sbgemm); the CUDA backend in fp32, tf32, fp16, bf16 and fp8, always accumulating
// GEMMs in fp32.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/element_type.hpp"

namespace flopwall {

enum class DType : std::uint8_t { fp32, fp64, tf32, fp16, bf16, fp8 };

// How many bytes one element of a buffer takes, by what the buffer holds.
//   activation: everything the non-GEMM kernels read and write. fp8 runs keep
//     activations in bf16 (as Transformer Engine does); tf32 in fp32.
//   gemm_operand: weights and the activation copies a GEMM reads; fp8 (e4m3)
//     in fp8 runs, otherwise the activation type.
enum class BufferRole : std::uint8_t { activation, gemm_operand };
// The element type such a buffer holds: the one mapping from --dtype to the
// element vocabulary that kernels, transports and checks share.
ElementType element_type(DType t, BufferRole role) noexcept;
inline std::int64_t element_bytes(DType t, BufferRole role) noexcept { return element_type_size(element_type(t, role)); }

std::string_view dtype_name(DType t) noexcept;
// Throws UsageError naming the valid spellings.
DType parse_dtype(std::string_view text);
// fp8 GEMMs read a separate fp8 copy of their activation operand.
inline bool gemm_needs_cast(DType t) noexcept { return t == DType::fp8; }

}  // namespace flopwall
