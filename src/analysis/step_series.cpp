#include "analysis/step_series.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace flopwall {
namespace {

// Ties go to the earlier iteration, so the result does not depend on the
// order points arrive in.
bool faster(const StepPoint& a, const StepPoint& b) {
  return a.step_s < b.step_s || (a.step_s == b.step_s && a.iter < b.iter);
}
bool slower(const StepPoint& a, const StepPoint& b) {
  return a.step_s > b.step_s || (a.step_s == b.step_s && a.iter < b.iter);
}

}  // namespace

void StepSeries::widen(Bucket& into, const Bucket& from) {
  if (from.fastest.iter < 0) return;
  if (into.fastest.iter < 0) {
    into = from;
    return;
  }
  if (faster(from.fastest, into.fastest)) into.fastest = from.fastest;
  if (slower(from.slowest, into.slowest)) into.slowest = from.slowest;
}

void StepSeries::coarsen_to(std::int64_t width) {
  if (width <= m_width) return;
  const std::int64_t factor = width / m_width;
  std::vector<Bucket> coarse((m_buckets.size() + static_cast<std::size_t>(factor) - 1) / static_cast<std::size_t>(factor));
  for (std::size_t b = 0; b < m_buckets.size(); ++b) widen(coarse[b / static_cast<std::size_t>(factor)], m_buckets[b]);
  m_buckets = std::move(coarse);
  m_width = width;
}

void StepSeries::add(std::int64_t iter, double step_s) {
  if (iter < 0) return;
  std::int64_t width = m_width;
  while (iter / width >= k_buckets) width *= 2;
  coarsen_to(width);
  const auto b = static_cast<std::size_t>(iter / m_width);
  if (b >= m_buckets.size()) m_buckets.resize(b + 1);
  const StepPoint p{iter, step_s};
  widen(m_buckets[b], Bucket{p, p});
}

void StepSeries::merge(const StepSeries& other) {
  StepSeries o = other;
  const std::int64_t width = std::max(m_width, o.m_width);
  coarsen_to(width);
  o.coarsen_to(width);
  if (o.m_buckets.size() > m_buckets.size()) m_buckets.resize(o.m_buckets.size());
  for (std::size_t b = 0; b < o.m_buckets.size(); ++b) widen(m_buckets[b], o.m_buckets[b]);
}

std::vector<StepPoint> StepSeries::points() const {
  std::vector<StepPoint> out;
  out.reserve(m_buckets.size() * (m_width == 1 ? 1 : 2));
  for (const Bucket& b : m_buckets) {
    if (b.fastest.iter < 0) continue;
    const StepPoint& first = b.fastest.iter <= b.slowest.iter ? b.fastest : b.slowest;
    const StepPoint& second = b.fastest.iter <= b.slowest.iter ? b.slowest : b.fastest;
    out.push_back(first);
    if (second.iter != first.iter) out.push_back(second);
  }
  return out;
}

StepPoint StepSeries::slowest() const {
  StepPoint best;
  for (const Bucket& b : m_buckets)
    if (b.slowest.iter >= 0 && (best.iter < 0 || slower(b.slowest, best))) best = b.slowest;
  return best;
}

StepPoint StepSeries::nearest(double step_s) const {
  StepPoint best;
  double distance = 0;
  for (const StepPoint& p : points()) {
    const double d = std::abs(p.step_s - step_s);
    if (best.iter < 0 || d < distance || (d == distance && p.iter < best.iter)) {
      best = p;
      distance = d;
    }
  }
  return best;
}

void StepSeries::write(ByteWriter& out) const {
  out.put(m_width);
  out.put_vector(m_buckets);
}

StepSeries StepSeries::read(ByteReader& in) {
  StepSeries s;
  s.m_width = in.get<std::int64_t>();
  s.m_buckets = in.get_vector<Bucket>();
  // A width that is no power of two, or more buckets than a series keeps,
  // cannot come from a peer running this binary.
  if (s.m_width < 1 || (s.m_width & (s.m_width - 1)) != 0 ||
      s.m_buckets.size() > static_cast<std::size_t>(k_buckets))
    throw std::runtime_error("partial report results are damaged");
  return s;
}

}  // namespace flopwall
