#include "analysis/report_streaming.hpp"

#include "analysis/report_accumulator.hpp"

namespace flopwall {

StreamedTotals stream_report_totals(TraceStream& stream, std::int64_t first_iter, std::int64_t end_iter) {
  WindowReader reader(stream, first_iter, end_iter);
  ReportAccumulator acc(stream.meta());
  TraceWindow window;
  while (reader.next(window)) acc.consume(window);
  return {.totals = acc.take(), .start_rows = reader.start_rows(), .stop_rows = reader.stop_rows()};
}

std::int64_t estimated_iterations(TraceStream& stream) {
  for (std::size_t r = 0; r < stream.rank_count(); ++r)
    if (stream.rows(r) > 0) return std::int64_t{stream.iter_at(r, stream.rows(r) - 1)} + 1;
  return 0;
}

}  // namespace flopwall
