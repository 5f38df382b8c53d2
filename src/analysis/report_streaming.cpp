#include "analysis/report_streaming.hpp"

#include "analysis/report_accumulator.hpp"

#include <algorithm>

namespace flopwall {

StreamedTotals stream_report_totals(TraceStream& stream, std::int64_t first_iter, std::int64_t end_iter) {
  ReportAccumulator acc(stream.meta());
  WindowReader reader(stream, acc, first_iter, end_iter);
  TraceWindow window;
  while (reader.next(window)) acc.consume(window);
  return {.totals = acc.take(), .start_rows = reader.start_rows(), .stop_rows = reader.stop_rows()};
}

std::vector<std::int64_t> split_iterations(TraceStream& stream, int parts) {
  std::vector<std::int64_t> bounds(static_cast<std::size_t>(std::max(parts, 1)) + 1, 0);
  bounds.back() = WindowReader::k_to_the_end;
  std::size_t pilot = 0;
  while (pilot < stream.rank_count() && stream.rows(pilot) == 0) ++pilot;
  if (pilot == stream.rank_count()) return bounds;
  const std::uint64_t rows = stream.rows(pilot), chunk = std::max<std::uint64_t>(1, stream.chunk_rows(pilot));
  const std::uint64_t chunks = (rows + chunk - 1) / chunk;
  const auto k = static_cast<std::uint64_t>(parts);
  for (std::uint64_t p = 1; p < k; ++p) {
    const std::uint64_t row = chunks >= k ? p * chunks / k * chunk : p * rows / k;
    const std::int64_t bound = std::int64_t{stream.iter_at(pilot, std::min(row, rows - 1))} + 1;
    bounds[p] = std::max(bounds[p - 1], bound);
  }
  return bounds;
}

}  // namespace flopwall
