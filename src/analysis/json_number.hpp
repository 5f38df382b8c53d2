#pragma once
// JSON has no NaN or infinity: a figure that could not be derived is null.
#include <cmath>
#include <nlohmann/json.hpp>

namespace flopwall {

inline nlohmann::json json_number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace flopwall
