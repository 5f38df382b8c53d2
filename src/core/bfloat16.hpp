#pragma once
// bfloat16 on the host: the storage type of the cpu backend's bf16 buffers
// (one definition for kernels, fills, transports and checks). Arithmetic is
// never done in it: kernels convert to float, compute, and round on store,
// as the CPU's own bf16 instructions (AVX512_BF16's vcvtneps2bf16) do.
#include <bit>
#include <cstdint>

namespace flopwall {

class BFloat16 {
 public:
  BFloat16() = default;
  // Round to nearest, ties to even. NaN stays a (quiet) NaN of the same sign:
  // adding the rounding bias to a NaN's payload could carry into the sign or
  // clear the mantissa and turn it into an infinity.
  explicit constexpr BFloat16(float f) noexcept : m_bits(round_bits(f)) {}
  explicit constexpr BFloat16(double d) noexcept : BFloat16(static_cast<float>(d)) {}
  explicit constexpr BFloat16(int i) noexcept : BFloat16(static_cast<float>(i)) {}

  // Exact: every bfloat16 is a float with the low 16 mantissa bits zero.
  constexpr operator float() const noexcept { return std::bit_cast<float>(static_cast<std::uint32_t>(m_bits) << 16); }

  static constexpr BFloat16 from_bits(std::uint16_t bits) noexcept {
    BFloat16 b;
    b.m_bits = bits;
    return b;
  }
  constexpr std::uint16_t bits() const noexcept { return m_bits; }

  static constexpr std::uint16_t round_bits(float f) noexcept {
    const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x0040u);  // quiet NaN
    return static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
  }

 private:
  std::uint16_t m_bits = 0;
};

static_assert(sizeof(BFloat16) == 2, "BFloat16 buffers are read by OpenBLAS and MPI as 2-byte elements");

// The type a kernel computes in for storage type T: float for bfloat16
// (float math, rounded on store), T itself for float and double.
template <class T>
struct compute_type {
  using type = T;
};
template <>
struct compute_type<BFloat16> {
  using type = float;
};
template <class T>
using compute_t = typename compute_type<T>::type;

}  // namespace flopwall
