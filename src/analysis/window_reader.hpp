#pragma once
// Reads a trace file's events as windows of iterations across all ranks
// (trace_window.hpp), holding a digest of about one stored chunk of each
// rank, whatever the number of iterations.
//
// A rank's events are written in iteration order. The reader keeps a cursor
// per rank and reads its table a whole chunk at a time (each chunk decoded
// once, into one buffer shared by all ranks). Each chunk's rows go at once
// to the accumulator's per-event figures and to the rank's digest: its
// iteration spans and comm arrivals. A window ends before the last
// iteration any unfinished rank has read into (that iteration may go on in
// its next chunk); ranks short of it read their next chunk first. Events
// out of iteration order cannot be windowed: the reader throws
// UnorderedTrace, and the caller reads the trace whole instead
// (report_streaming.hpp).
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "analysis/report_accumulator.hpp"
#include "analysis/trace_window.hpp"
#include "trace/trace_stream.hpp"

namespace flopwall {

class UnorderedTrace : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WindowReader {
 public:
  static constexpr std::int64_t k_to_the_end = std::numeric_limits<std::int64_t>::max();

  // Iterations [first_iter, end_iter) of every rank: each rank's rows from
  // its first of an iteration ≥ first_iter (found by bisecting its chunks)
  // to its first of an iteration ≥ end_iter. Rows go to `acc` as read.
  WindowReader(TraceStream& stream, ReportAccumulator& acc, std::int64_t first_iter, std::int64_t end_iter);

  // The next window; false once every rank's range is read. The window's
  // spans stay valid until the next call.
  bool next(TraceWindow& window);

  // Per rank, the rows this reader started and stopped at (stop: the first
  // row it did not take). Ranges of consecutive readers must meet.
  const std::vector<std::uint64_t>& start_rows() const noexcept { return m_start_rows; }
  std::vector<std::uint64_t> stop_rows() const;

 private:
  struct Cursor {
    std::uint64_t next_row = 0;  // next row to read from the file
    std::uint64_t stop_row = 0;  // set once done
    bool done = false;           // every row of the range read
    std::int64_t last_iter = 0;  // of the last row read (order check; not complete until done)
    std::vector<IterationSpanRow> spans;  // read, not yet handed out (from taken_spans on)
    std::vector<CommArrival> arrivals;
    std::size_t taken_spans = 0, taken_arrivals = 0;
  };
  void take_rows(std::size_t rank, std::size_t from);  // m_rows[from..] of the rank
  void fill(std::size_t rank);                          // reads its next chunk (or its rest)
  void seek(std::size_t rank, std::int64_t iter);
  std::int64_t ready(std::size_t rank) const;  // iterations before this are complete in its digest

  TraceStream& m_stream;
  ReportAccumulator& m_acc;
  std::int64_t m_next_iter;
  std::int64_t m_end_iter;
  std::vector<Cursor> m_cursors;
  std::vector<std::uint64_t> m_start_rows;
  std::vector<TraceEvent> m_rows;  // the chunk being read
};

}  // namespace flopwall
