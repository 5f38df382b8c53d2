#pragma once
// The sizes a sweep visits: min, then ×factor (or +step bytes) up to max.
#include <cstdint>
#include <optional>
#include <vector>

namespace flopwall {

// A sweep visits at most this many sizes: each size is a row per collective,
// tier and in-place form, and its timings and trace events stay in memory,
// so `-i 1` over megabytes (millions of sizes) is refused, not attempted.
inline constexpr std::int64_t k_max_sweep_sizes = 100000;

// The size after `size`, or nothing once it would pass max_bytes. Never
// overflows: a step or a product beyond int64 is past any max_bytes.
std::optional<std::int64_t> next_size(std::int64_t size, std::int64_t max_bytes, double factor, std::int64_t step_bytes);

std::vector<std::int64_t> size_steps(std::int64_t min_bytes, std::int64_t max_bytes, double factor,
                                     std::int64_t step_bytes);

// How many sizes size_steps returns, without building the list: exact up to
// k_max_sweep_sizes, and k_max_sweep_sizes + 1 for anything more.
std::int64_t size_step_count(std::int64_t min_bytes, std::int64_t max_bytes, double factor, std::int64_t step_bytes);

}  // namespace flopwall
