#include "core/element_type.hpp"
#include "core/element_values.hpp"
#include "core/bfloat16.hpp"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "core/error.hpp"

namespace flopwall {
namespace {

constexpr std::array<ElementType, 10> k_types{ElementType::int8,    ElementType::uint8,   ElementType::int32,
                                              ElementType::uint32,  ElementType::int64,   ElementType::uint64,
                                              ElementType::half,    ElementType::float32, ElementType::float64,
                                              ElementType::bfloat16};

// IEEE binary16 and bfloat16 from float, round to nearest even; the checks
// only store small integers, which both represent exactly.
std::uint16_t to_half_bits(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const int exp = static_cast<int>((x >> 23) & 0xff) - 127 + 15;
  std::uint32_t mant = x & 0x7fffffu;
  if (f == 0.0f) return static_cast<std::uint16_t>(sign);
  if (exp >= 31) return static_cast<std::uint16_t>(sign | 0x7c00u);
  if (exp <= 0) return static_cast<std::uint16_t>(sign);  // below the smallest normal: not used by the checks
  const std::uint32_t round = (mant & 0x1fffu) > 0x1000u || ((mant & 0x1fffu) == 0x1000u && (mant & 0x2000u));
  return static_cast<std::uint16_t>(sign | (static_cast<std::uint32_t>(exp) << 10) | ((mant >> 13) + round));
}
float from_half_bits(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
  if (exp == 0) return std::bit_cast<float>(sign) + (sign ? -1.0f : 1.0f) * std::ldexp(static_cast<float>(mant), -24);
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp - 15 + 127) << 23) | (mant << 13));
}
std::uint16_t to_bf16_bits(float f) { return BFloat16(f).bits(); }
float from_bf16_bits(std::uint16_t b) { return BFloat16::from_bits(b); }

template <class T>
void encode_as(std::span<const double> v, void* out) {
  auto* p = static_cast<T*>(out);
  for (std::size_t i = 0; i < v.size(); ++i) p[i] = static_cast<T>(static_cast<std::int64_t>(v[i]));
}
template <class T>
void decode_as(const void* in, std::span<double> v) {
  const auto* p = static_cast<const T*>(in);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(p[i]);
}

}  // namespace

std::string_view element_type_name(ElementType t) noexcept {
  switch (t) {
    case ElementType::int8: return "int8";
    case ElementType::uint8: return "uint8";
    case ElementType::int32: return "int32";
    case ElementType::uint32: return "uint32";
    case ElementType::int64: return "int64";
    case ElementType::uint64: return "uint64";
    case ElementType::half: return "half";
    case ElementType::float32: return "float";
    case ElementType::float64: return "double";
    case ElementType::bfloat16: return "bfloat16";
    case ElementType::fp8_e4m3: return "fp8_e4m3";
  }
  return "?";
}

std::int64_t element_type_size(ElementType t) noexcept {
  switch (t) {
    case ElementType::int8:
    case ElementType::uint8:
    case ElementType::fp8_e4m3: return 1;
    case ElementType::half:
    case ElementType::bfloat16: return 2;
    case ElementType::int32:
    case ElementType::uint32:
    case ElementType::float32: return 4;
    case ElementType::int64:
    case ElementType::uint64:
    case ElementType::float64: return 8;
  }
  return 0;
}

bool is_integer(ElementType t) noexcept {
  return t != ElementType::half && t != ElementType::float32 && t != ElementType::float64 && t != ElementType::bfloat16 &&
         t != ElementType::fp8_e4m3;
}

ElementType parse_element_type(std::string_view text) {
  if (text == "fp32" || text == "float32") return ElementType::float32;  // common aliases
  if (text == "fp64" || text == "float64") return ElementType::float64;
  if (text == "fp16" || text == "float16") return ElementType::half;
  if (text == "bf16") return ElementType::bfloat16;
  for (ElementType t : k_types)
    if (text == element_type_name(t)) return t;
  throw UsageError(fmt::format("--datatype '{}' is not valid; valid: int8, uint8, int32, uint32, int64, uint64, half, "
                               "float, double, bfloat16",
                               text));
}

double stored_value(ElementType t, double v) noexcept {
  const auto i = static_cast<std::int64_t>(v);
  switch (t) {
    case ElementType::int8: return static_cast<std::int8_t>(i);
    case ElementType::uint8: return static_cast<std::uint8_t>(i);
    case ElementType::int32: return static_cast<std::int32_t>(i);
    case ElementType::uint32: return static_cast<std::uint32_t>(i);
    case ElementType::int64: return static_cast<double>(i);
    case ElementType::uint64: return static_cast<double>(static_cast<std::uint64_t>(i));
    case ElementType::half: return from_half_bits(to_half_bits(static_cast<float>(v)));
    case ElementType::bfloat16: return from_bf16_bits(to_bf16_bits(static_cast<float>(v)));
    case ElementType::float32: return static_cast<float>(v);
    case ElementType::float64:
    case ElementType::fp8_e4m3: return v;
  }
  return v;
}

void encode(ElementType t, std::span<const double> v, void* out) {
  switch (t) {
    case ElementType::fp8_e4m3: throw std::invalid_argument("encode: no host encoding of fp8_e4m3");
    case ElementType::int8: return encode_as<std::int8_t>(v, out);
    case ElementType::uint8: return encode_as<std::uint8_t>(v, out);
    case ElementType::int32: return encode_as<std::int32_t>(v, out);
    case ElementType::uint32: return encode_as<std::uint32_t>(v, out);
    case ElementType::int64: return encode_as<std::int64_t>(v, out);
    case ElementType::uint64: return encode_as<std::uint64_t>(v, out);
    case ElementType::float32: {
      auto* p = static_cast<float*>(out);
      for (std::size_t i = 0; i < v.size(); ++i) p[i] = static_cast<float>(v[i]);
      return;
    }
    case ElementType::float64: std::memcpy(out, v.data(), v.size_bytes()); return;
    case ElementType::half:
    case ElementType::bfloat16: {
      auto* p = static_cast<std::uint16_t*>(out);
      for (std::size_t i = 0; i < v.size(); ++i)
        p[i] = t == ElementType::half ? to_half_bits(static_cast<float>(v[i])) : to_bf16_bits(static_cast<float>(v[i]));
      return;
    }
  }
}

void decode(ElementType t, const void* in, std::span<double> v) {
  switch (t) {
    case ElementType::fp8_e4m3: throw std::invalid_argument("decode: no host encoding of fp8_e4m3");
    case ElementType::int8: return decode_as<std::int8_t>(in, v);
    case ElementType::uint8: return decode_as<std::uint8_t>(in, v);
    case ElementType::int32: return decode_as<std::int32_t>(in, v);
    case ElementType::uint32: return decode_as<std::uint32_t>(in, v);
    case ElementType::int64: return decode_as<std::int64_t>(in, v);
    case ElementType::uint64: return decode_as<std::uint64_t>(in, v);
    case ElementType::float32: return decode_as<float>(in, v);
    case ElementType::float64: return decode_as<double>(in, v);
    case ElementType::half:
    case ElementType::bfloat16: {
      const auto* p = static_cast<const std::uint16_t*>(in);
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = t == ElementType::half ? from_half_bits(p[i]) : from_bf16_bits(p[i]);
      return;
    }
  }
}

}  // namespace flopwall
