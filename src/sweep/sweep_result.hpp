#pragma once
// The sweep runner's arithmetic on its results (trace/sweep_data.hpp).
#include <cstdint>
#include <string>
#include <vector>

#include "sweep/sweep_config.hpp"
#include "trace/sweep_data.hpp"

namespace flopwall {

// Least squares of time = alpha + size/beta over (size_bytes, time_us).
SweepFit fit_alpha_beta(const std::vector<std::pair<double, double>>& size_bytes_time_us);

}  // namespace flopwall
