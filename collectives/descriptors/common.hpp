#pragma once
// Building blocks the per-collective descriptors share.
#include <cmath>
#include <limits>

#include "collectives/collective.hpp"
#include "collectives/collective_primitives.hpp"

namespace flopwall::descriptors {

inline constexpr double k_unchecked = std::numeric_limits<double>::quiet_NaN();

inline BusFactor factor_one(int) { return {1, 1}; }
inline BusFactor factor_ring(int n) { return {n - 1, n}; }            // (n−1)/n
inline BusFactor factor_allreduce(int n) { return {2 * (n - 1), n}; }  // 2(n−1)/n

// The whole buffer on every rank (allreduce, broadcast, reduce, sendrecv).
inline CollectiveShape whole(std::int64_t count, int) { return {count, count, count, count}; }
// n equal chunks, one per rank: count rounded down to a multiple of n.
inline CollectiveShape gathered(std::int64_t count, int n) {
  const std::int64_t chunk = count / n;
  return {chunk * n, chunk, chunk * n, chunk};
}
inline CollectiveShape scattered(std::int64_t count, int n) {
  const std::int64_t chunk = count / n;
  return {chunk * n, chunk * n, chunk, chunk};
}
inline CollectiveShape exchanged(std::int64_t count, int n) {
  const std::int64_t chunk = count / n;
  return {chunk * n, chunk * n, chunk * n, chunk};
}

// In place, the input sits in the receive buffer at the rank's offset.
inline const void* input_of(const CollectiveCall& c, const void* send, void* recv, std::int64_t offset_elements) {
  if (!c.in_place) return send;
  return static_cast<const std::byte*>(recv) + offset_elements * element_type_size(c.type);
}

inline std::int64_t offset_zero(const CollectiveShape&, int) { return 0; }

inline void fill_data(std::span<double> out, int rank, std::int64_t first_index = 0) {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = data_value(rank, first_index + static_cast<std::int64_t>(i));
}
inline void fill_reduce(std::span<double> out, int rank, ReduceOp op, std::int64_t first_index = 0) {
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = reduce_input_value(rank, first_index + static_cast<std::int64_t>(i), op);
}

}  // namespace flopwall::descriptors
