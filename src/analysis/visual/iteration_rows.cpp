#include "analysis/visual/iteration_rows.hpp"

#include <algorithm>

namespace flopwall {
namespace {

// The first row of `rank` whose iteration is ≥ iter (rows in iteration order).
std::uint64_t first_row_at(TraceStream& stream, std::size_t rank, std::int64_t iter) {
  std::uint64_t lo = 0, hi = stream.rows(rank);
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (stream.iter_at(rank, mid) < iter) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

}  // namespace

std::vector<std::vector<TraceEvent>> read_iteration_rows(TraceStream& stream, std::int64_t first_iter,
                                                         std::int64_t end_iter) {
  std::vector<std::vector<TraceEvent>> out(stream.rank_count());
  std::vector<TraceEvent> block;
  for (std::size_t r = 0; r < stream.rank_count(); ++r) {
    const std::uint64_t rows = stream.rows(r);
    const std::uint64_t chunk = std::max<std::uint64_t>(1, stream.chunk_rows(r));
    std::uint64_t row = first_row_at(stream, r, first_iter);
    bool past = false;
    while (row < rows && !past) {
      // To the end of the stored chunk the row is in: each chunk decoded once.
      const std::uint64_t count = std::min(rows, (row / chunk + 1) * chunk) - row;
      block.clear();
      stream.read(r, row, count, block);
      for (const TraceEvent& e : block) {
        if (e.iter >= end_iter) {
          past = true;
          break;
        }
        if (e.iter >= first_iter) out[r].push_back(e);
      }
      row += count;
    }
  }
  return out;
}

std::vector<std::vector<TraceEvent>> select_iteration_rows(const TraceData& trace, std::int64_t first_iter,
                                                           std::int64_t end_iter) {
  std::vector<std::vector<TraceEvent>> out(trace.ranks.size());
  for (std::size_t r = 0; r < trace.ranks.size(); ++r)
    for (const TraceEvent& e : trace.ranks[r].events)
      if (e.iter >= first_iter && e.iter < end_iter) out[r].push_back(e);
  return out;
}

}  // namespace flopwall
