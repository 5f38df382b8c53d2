#include "core/quantile_sketch.hpp"

#include <algorithm>
#include <cmath>

#include "core/statistics.hpp"

namespace flopwall::stats {
namespace {

const double k_gamma = (1 + QuantileSketch::k_relative_error) / (1 - QuantileSketch::k_relative_error);
const double k_log_gamma = std::log(k_gamma);
// Below this magnitude a value counts as zero: far below a nanosecond in
// seconds or microseconds, the units the report keeps.
constexpr double k_smallest = 1e-30;

std::int32_t bucket_of(double magnitude) {
  return static_cast<std::int32_t>(std::ceil(std::log(magnitude) / k_log_gamma));
}

double bucket_value(std::int32_t index) { return 2 * std::pow(k_gamma, index) / (k_gamma + 1); }

}  // namespace

void QuantileSketch::Buckets::add(std::int32_t index, std::uint64_t n) {
  if (counts.empty()) {
    offset = index;
    counts.assign(1, 0);
  } else if (index < offset) {
    counts.insert(counts.begin(), static_cast<std::size_t>(offset - index), 0);
    offset = index;
  } else if (static_cast<std::size_t>(index - offset) >= counts.size()) {
    counts.resize(static_cast<std::size_t>(index - offset) + 1, 0);
  }
  counts[static_cast<std::size_t>(index - offset)] += n;
}

void QuantileSketch::add_to_buckets(double v, std::uint64_t n) {
  const double magnitude = std::fabs(v);
  if (!(magnitude >= k_smallest)) {
    m_zeros += n;
  } else if (magnitude == std::numeric_limits<double>::infinity()) {
    (v > 0 ? m_positive : m_negative).add(std::numeric_limits<std::int32_t>::max() / 2, n);
  } else {
    (v > 0 ? m_positive : m_negative).add(bucket_of(magnitude), n);
  }
}

void QuantileSketch::to_histogram() {
  m_exact = false;
  for (const double v : m_values) add_to_buckets(v, 1);
  std::vector<double>().swap(m_values);
}

void QuantileSketch::merge(const QuantileSketch& other) {
  if (other.m_count == 0) return;
  m_count += other.m_count;
  m_min = std::min(m_min, other.m_min);
  m_max = std::max(m_max, other.m_max);
  if (m_exact && other.m_exact && m_count <= m_exact_cap) {
    m_values.insert(m_values.end(), other.m_values.begin(), other.m_values.end());
    return;
  }
  if (m_exact) to_histogram();
  if (other.m_exact) {
    for (const double v : other.m_values) add_to_buckets(v, 1);
  } else {
    for (std::size_t k = 0; k < other.m_positive.counts.size(); ++k)
      if (other.m_positive.counts[k]) m_positive.add(other.m_positive.offset + static_cast<std::int32_t>(k), other.m_positive.counts[k]);
    for (std::size_t k = 0; k < other.m_negative.counts.size(); ++k)
      if (other.m_negative.counts[k]) m_negative.add(other.m_negative.offset + static_cast<std::int32_t>(k), other.m_negative.counts[k]);
    m_zeros += other.m_zeros;
  }
}

double QuantileSketch::order_statistic(std::uint64_t k) const {
  const auto clamp = [&](double v) { return std::clamp(v, m_min, m_max); };
  // Negative values first, largest magnitude first; then zeros; then positives.
  for (std::size_t j = m_negative.counts.size(); j-- > 0;) {
    const std::uint64_t n = m_negative.counts[j];
    if (k < n) return clamp(-bucket_value(m_negative.offset + static_cast<std::int32_t>(j)));
    k -= n;
  }
  if (k < m_zeros) return clamp(0.0);
  k -= m_zeros;
  for (std::size_t j = 0; j < m_positive.counts.size(); ++j) {
    const std::uint64_t n = m_positive.counts[j];
    if (k < n) return clamp(bucket_value(m_positive.offset + static_cast<std::int32_t>(j)));
    k -= n;
  }
  return m_max;
}

double QuantileSketch::percentile(double q) const {
  if (m_exact) return stats::percentile(m_values, q);
  if (m_count == 0) return std::numeric_limits<double>::quiet_NaN();
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(m_count - 1);
  const auto lo = static_cast<std::uint64_t>(std::floor(pos));
  const std::uint64_t hi = std::min(lo + 1, m_count - 1);
  const double a = order_statistic(lo);
  const double b = hi == lo ? a : order_statistic(hi);
  return a + (pos - static_cast<double>(lo)) * (b - a);
}

void QuantileSketch::write(ByteWriter& out) const {
  out.put<std::uint64_t>(m_exact_cap);
  out.put<std::uint8_t>(m_exact ? 1 : 0);
  out.put(m_count);
  out.put(m_min);
  out.put(m_max);
  out.put_vector(m_values);
  out.put(m_positive.offset);
  out.put_vector(m_positive.counts);
  out.put(m_negative.offset);
  out.put_vector(m_negative.counts);
  out.put(m_zeros);
}

QuantileSketch QuantileSketch::read(ByteReader& in) {
  QuantileSketch s(static_cast<std::size_t>(in.get<std::uint64_t>()));
  s.m_exact = in.get<std::uint8_t>() != 0;
  s.m_count = in.get<std::uint64_t>();
  s.m_min = in.get<double>();
  s.m_max = in.get<double>();
  s.m_values = in.get_vector<double>();
  s.m_positive.offset = in.get<std::int32_t>();
  s.m_positive.counts = in.get_vector<std::uint64_t>();
  s.m_negative.offset = in.get<std::int32_t>();
  s.m_negative.counts = in.get_vector<std::uint64_t>();
  s.m_zeros = in.get<std::uint64_t>();
  return s;
}

}  // namespace flopwall::stats
