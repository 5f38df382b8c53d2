#include <algorithm>
#include <cmath>

#include "collectives/collective.hpp"

namespace flopwall {

double data_value(int rank, std::int64_t index) noexcept {
  return static_cast<double>((static_cast<std::int64_t>(rank) * 13 + index) % 100);
}

double reduce_input_value(int rank, std::int64_t index, ReduceOp op) noexcept {
  switch (op) {
    case ReduceOp::sum: return static_cast<double>((rank + index) % 4);
    // Factors of 2 on the first six ranks only: the product stays ≤ 64.
    case ReduceOp::prod: return rank < 6 ? static_cast<double>((rank + index) % 2 + 1) : 1.0;
    case ReduceOp::min:
    case ReduceOp::max: return static_cast<double>((static_cast<std::int64_t>(rank) * 3 + index) % 7);
    // The same on every rank, so the average is exact in every type.
    case ReduceOp::avg: return static_cast<double>(index % 5);
  }
  return 0;
}

double reduced_value(int n, std::int64_t index, ReduceOp op, ElementType t) noexcept {
  double acc = reduce_input_value(0, index, op);
  for (int r = 1; r < n; ++r) {
    const double v = reduce_input_value(r, index, op);
    switch (op) {
      case ReduceOp::sum:
      case ReduceOp::avg: acc += v; break;
      case ReduceOp::prod: acc *= v; break;
      case ReduceOp::min: acc = std::min(acc, v); break;
      case ReduceOp::max: acc = std::max(acc, v); break;
    }
  }
  if (op == ReduceOp::avg) acc /= n;
  return stored_value(t, acc);
}

std::int64_t count_wrong(std::span<const double> out, std::span<const double> expected, ReduceOp op, ElementType t) {
  const bool tolerant = op == ReduceOp::avg && !is_integer(t);
  const double tol = t == ElementType::half || t == ElementType::bfloat16 ? 1e-2 : 1e-6;
  std::int64_t wrong = 0;
  for (std::size_t i = 0; i < out.size() && i < expected.size(); ++i) {
    if (std::isnan(expected[i])) continue;
    const bool ok = tolerant ? std::fabs(out[i] - expected[i]) <= tol * std::max(1.0, std::fabs(expected[i]))
                             : out[i] == expected[i];
    wrong += ok ? 0 : 1;
  }
  return wrong;
}

}  // namespace flopwall
