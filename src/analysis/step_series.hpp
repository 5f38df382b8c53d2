#pragma once
// Step time per iteration, for the report's step-time chart, in memory that
// does not grow with the number of iterations: up to k_buckets iterations
// each is kept exactly; beyond, iterations are grouped in buckets of a
// power-of-two width and each bucket keeps its fastest and its slowest
// iteration (min/max decimation: a spike or a dip is never averaged away).
// Series of disjoint iteration ranges (the windows of one reader, the parts
// of `mpirun -np K flopwall report`) merge into the series of the whole, in
// any order, with the same result: the width depends only on the largest
// iteration seen, and merging two buckets keeps the same extremes.
#include <cstdint>
#include <vector>

#include "core/byte_buffer.hpp"

namespace flopwall {

struct StepPoint {
  std::int64_t iter = -1;  // -1: none
  double step_s = 0;
};

class StepSeries {
 public:
  static constexpr std::int64_t k_buckets = 16384;

  void add(std::int64_t iter, double step_s);
  void merge(const StepSeries& other);

  // Iterations per bucket: 1 while every iteration is kept.
  std::int64_t bucket_iterations() const noexcept { return m_width; }
  // The kept points in iteration order: every iteration's when the width
  // is 1, else each bucket's fastest and slowest (one point when they are
  // the same iteration).
  std::vector<StepPoint> points() const;
  // The slowest iteration kept (always the slowest of all).
  StepPoint slowest() const;
  // The kept iteration whose step is nearest to `step_s` (ties: the earliest).
  StepPoint nearest(double step_s) const;

  void write(ByteWriter& out) const;
  static StepSeries read(ByteReader& in);

 private:
  struct Bucket {
    StepPoint fastest, slowest;
  };
  static void widen(Bucket& into, const Bucket& from);
  void coarsen_to(std::int64_t width);  // width: a power of two ≥ m_width

  std::int64_t m_width = 1;
  std::vector<Bucket> m_buckets;  // by iter / m_width; an empty bucket has fastest.iter == -1
};

}  // namespace flopwall
