#pragma once
// Reads a trace file's events as windows of iterations across all ranks
// (trace_window.hpp), so that `flopwall report` holds about one stored chunk
// of each rank's events at a time, whatever the number of iterations.
//
// A rank's events are written in iteration order. The reader keeps a cursor
// per rank and reads each rank's table a whole chunk at a time (each chunk
// is decoded once). A window ends where a quarter of a chunk of the first
// rank with events left ends; every rank then contributes its events up to
// that iteration. Events out of iteration order break no figure but cannot
// be windowed: the reader throws UnorderedTrace, and the caller reads the
// trace whole instead (report_streaming.hpp).
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

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
  // to its first of an iteration ≥ end_iter.
  WindowReader(TraceStream& stream, std::int64_t first_iter, std::int64_t end_iter);

  // The next window; false once every rank's range is read. The window's
  // spans stay valid until the next call.
  bool next(TraceWindow& window);

  // Per rank, the rows this reader started and stopped at (stop: the first
  // row it did not take). Ranges of consecutive readers must meet.
  const std::vector<std::uint64_t>& start_rows() const noexcept { return m_start_rows; }
  std::vector<std::uint64_t> stop_rows() const;

 private:
  struct Cursor {
    std::vector<TraceEvent> buffer;  // rows next_row − (buffer.size()) .. next_row − 1
    std::size_t at = 0;              // first row of the buffer not yet handed out
    std::uint64_t next_row = 0;      // next row to read from the file
    std::int64_t last_iter = 0;      // of the last row handed out (order check)
  };
  bool has_rows(std::size_t rank) const;
  void fill(std::size_t rank);  // reads the next chunk (or its rest) of the rank's table
  void seek(std::size_t rank, std::int64_t iter);

  TraceStream& m_stream;
  std::int64_t m_next_iter;
  std::int64_t m_end_iter;
  std::vector<Cursor> m_cursors;
  std::vector<std::uint64_t> m_start_rows;
};

}  // namespace flopwall
