#pragma once
// Values in buffers of each element type, as the collectives' checks write
// and read them (core/element_type.cpp implements both headers).
#include <span>

#include "core/element_type.hpp"

namespace flopwall {

// The value `v` as stored in type `t`: integers wrap as the hardware wraps,
// floating types are exact for the small integers the checks use.
double stored_value(ElementType t, double v) noexcept;
// Host encoding of small-integer values into a buffer of type `t` and back
// (not for fp8_e4m3, which no check reads: std::invalid_argument).
void encode(ElementType t, std::span<const double> values, void* out);
void decode(ElementType t, const void* in, std::span<double> values);

}  // namespace flopwall
