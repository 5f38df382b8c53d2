// The host bfloat16: round to nearest even, NaN and infinity, and the
// reductions the MPI transport applies to bfloat16 buffers.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/bfloat16.hpp"
#include "core/element_values.hpp"
#include "transport/mpi/mpi_bfloat16.hpp"

namespace flopwall {
namespace {

std::uint16_t bits_of(float f) { return BFloat16(f).bits(); }
float from_float_bits(std::uint32_t b) { return std::bit_cast<float>(b); }
bool is_nan_bits(std::uint16_t b) { return (b & 0x7f80u) == 0x7f80u && (b & 0x007fu) != 0; }

TEST(BFloat16, ExactValuesKeepTheirBits) {
  EXPECT_EQ(bits_of(1.0f), 0x3f80);
  EXPECT_EQ(bits_of(-2.0f), 0xc000);
  EXPECT_EQ(bits_of(0.0f), 0x0000);
  EXPECT_EQ(bits_of(-0.0f), 0x8000);
  EXPECT_EQ(float(BFloat16(0.15625f)), 0.15625f);
  EXPECT_EQ(bits_of(from_float_bits(0x00080000u)), 0x0008);  // a subnormal with 7 mantissa bits
}

TEST(BFloat16, RoundsToNearestTiesToEven) {
  // 1 + 2^-8 lies halfway between 1 (even) and 1 + 2^-7 (odd): down.
  EXPECT_EQ(bits_of(from_float_bits(0x3f808000u)), 0x3f80);
  // 1 + 3·2^-8 lies halfway between 0x3f81 (odd) and 0x3f82 (even): up.
  EXPECT_EQ(bits_of(from_float_bits(0x3f818000u)), 0x3f82);
  // Just above and below the half: nearest, not even.
  EXPECT_EQ(bits_of(from_float_bits(0x3f808001u)), 0x3f81);
  EXPECT_EQ(bits_of(from_float_bits(0x3f807fffu)), 0x3f80);
  EXPECT_EQ(bits_of(from_float_bits(0xbf808001u)), 0xbf81);  // symmetric for negatives
  // 257 needs 9 significant bits: 256 (even) wins the tie.
  EXPECT_EQ(float(BFloat16(257.0f)), 256.0f);
  EXPECT_EQ(float(BFloat16(259.0f)), 260.0f);
}

TEST(BFloat16, InfinitiesAndOverflow) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(bits_of(inf), 0x7f80);
  EXPECT_EQ(bits_of(-inf), 0xff80);
  // The largest float rounds up past bf16's largest finite value: infinity.
  EXPECT_EQ(bits_of(std::numeric_limits<float>::max()), 0x7f80);
  EXPECT_TRUE(std::isinf(float(BFloat16(inf))));
}

TEST(BFloat16, NanStaysNanWithItsSign) {
  // Payload only in the low 16 bits: truncation would make it an infinity,
  // and adding the rounding bias to 0x7fffffff would carry into the sign.
  for (std::uint32_t b : {0x7f800001u, 0x7fc00000u, 0x7fffffffu, 0x7fbfffffu}) {
    const std::uint16_t got = bits_of(from_float_bits(b));
    EXPECT_TRUE(is_nan_bits(got)) << std::hex << b << " -> " << got;
    EXPECT_EQ(got & 0x8000u, 0u) << std::hex << b;
    const std::uint16_t neg = bits_of(from_float_bits(b | 0x80000000u));
    EXPECT_TRUE(is_nan_bits(neg)) << std::hex << (b | 0x80000000u);
    EXPECT_EQ(neg & 0x8000u, 0x8000u);
  }
  EXPECT_TRUE(std::isnan(float(BFloat16(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(BFloat16, EveryNonNanValueRoundTrips) {
  for (std::uint32_t b = 0; b <= 0xffffu; ++b) {
    const auto bits = static_cast<std::uint16_t>(b);
    if (is_nan_bits(bits)) continue;
    ASSERT_EQ(BFloat16(float(BFloat16::from_bits(bits))).bits(), bits) << std::hex << b;
  }
}

TEST(BFloat16, DoubleInputRoundsLikeItsFloat) {
  EXPECT_EQ(BFloat16(1.0 / 3.0).bits(), BFloat16(1.0f / 3.0f).bits());
  EXPECT_EQ(BFloat16(0).bits(), 0);
}

TEST(BFloat16, ComputesInFloat) {
  static_assert(std::is_same_v<compute_t<BFloat16>, float>);
  static_assert(std::is_same_v<compute_t<float>, float>);
  static_assert(std::is_same_v<compute_t<double>, double>);
}

TEST(BFloat16, ElementCodecUsesTheSameRounding) {
  const std::vector<double> values{1.0, 257.0, -3.5, 1e38};
  std::vector<std::uint16_t> encoded(values.size());
  encode(ElementType::bfloat16, values, encoded.data());
  for (std::size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(encoded[i], BFloat16(static_cast<float>(values[i])).bits()) << values[i];
  std::vector<double> decoded(values.size());
  decode(ElementType::bfloat16, encoded.data(), decoded);
  EXPECT_EQ(decoded[1], 256.0);
}

TEST(MpiBfloat16, ReductionsComputeInFloatAndRoundOnce) {
  const std::vector<BFloat16> in{BFloat16(1.0f), BFloat16(3.0f), BFloat16(-2.0f), BFloat16(256.0f)};
  auto apply = [&](ReduceOp op) {
    std::vector<BFloat16> io{BFloat16(2.0f), BFloat16(0.5f), BFloat16(4.0f), BFloat16(1.0f)};
    reduce_bfloat16(op, in, io);
    std::vector<float> out;
    for (BFloat16 v : io) out.push_back(float(v));
    return out;
  };
  // 256 + 1 = 257 is not a bf16: the tie rounds to even, 256.
  EXPECT_EQ(apply(ReduceOp::sum), (std::vector<float>{3.0f, 3.5f, 2.0f, 256.0f}));
  EXPECT_EQ(apply(ReduceOp::prod), (std::vector<float>{2.0f, 1.5f, -8.0f, 256.0f}));
  EXPECT_EQ(apply(ReduceOp::min), (std::vector<float>{1.0f, 0.5f, -2.0f, 1.0f}));
  EXPECT_EQ(apply(ReduceOp::max), (std::vector<float>{2.0f, 3.0f, 4.0f, 256.0f}));
}

}  // namespace
}  // namespace flopwall
