#pragma once
// Percentiles of a series too long to keep (docs/metrics.md, "Percentiles of
// long series"). Up to a fixed number of values the sketch keeps them all
// and its percentiles are exactly stats::percentile's. Past that it holds a
// histogram of logarithmic buckets: bucket i holds the values x with
// γ^(i−1) < |x| ≤ γ^i, γ = (1+α)/(1−α), and stands for 2γ^i/(γ+1), which is
// within a relative α of every value in it (α = k_relative_error). Each
// order statistic is then known to within α of its magnitude, and so is a
// percentile interpolated between two of them.
//
// Whether a sketch is exact, and what it answers, depends only on the
// multiset of values added: two sketches merge (concatenated values or added
// bucket counts) into the same sketch in any order, so work split over
// windows or processes gives the same figures. NaN values are left out, as
// stats::percentile leaves them out.
#include <cstdint>
#include <limits>
#include <vector>

#include "core/byte_buffer.hpp"

namespace flopwall::stats {

class QuantileSketch {
 public:
  static constexpr std::size_t k_exact_values = std::size_t{1} << 16;
  static constexpr double k_relative_error = 1e-3;

  explicit QuantileSketch(std::size_t exact_values = k_exact_values) : m_exact_cap(exact_values) {}

  void add(double v) {
    if (v != v) return;  // NaN
    ++m_count;
    if (v > m_max) m_max = v;
    if (v < m_min) m_min = v;
    if (m_exact) {
      m_values.push_back(v);
      if (m_values.size() > m_exact_cap) to_histogram();
    } else {
      add_to_buckets(v, 1);
    }
  }
  void merge(const QuantileSketch& other);

  std::uint64_t count() const noexcept { return m_count; }
  bool exact() const noexcept { return m_exact; }
  // stats::percentile's rule (linear interpolation between closest ranks);
  // NaN when empty.
  double percentile(double q) const;
  double max() const noexcept { return m_count ? m_max : std::numeric_limits<double>::quiet_NaN(); }

  void write(ByteWriter& out) const;
  static QuantileSketch read(ByteReader& in);

 private:
  struct Buckets {
    std::int32_t offset = 0;
    std::vector<std::uint64_t> counts;  // counts[k] is bucket offset + k
    void add(std::int32_t index, std::uint64_t n);
  };
  void to_histogram();
  void add_to_buckets(double v, std::uint64_t n);
  double order_statistic(std::uint64_t k) const;  // k-th smallest, 0-based, from the histogram

  std::size_t m_exact_cap;
  bool m_exact = true;
  std::uint64_t m_count = 0;
  double m_min = std::numeric_limits<double>::infinity();
  double m_max = -std::numeric_limits<double>::infinity();
  std::vector<double> m_values;  // while exact
  Buckets m_positive, m_negative;  // by bucket of |x|
  std::uint64_t m_zeros = 0;       // |x| below the smallest bucket
};

}  // namespace flopwall::stats
