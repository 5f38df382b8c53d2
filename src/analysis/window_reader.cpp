#include "analysis/window_reader.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace flopwall {
namespace {

// About 10 MB of arrivals in the accumulator at a time.
constexpr std::uint64_t k_window_arrivals = std::uint64_t{1} << 18;

}  // namespace

WindowReader::WindowReader(TraceStream& stream, ReportAccumulator& acc, std::int64_t first_iter,
                           std::int64_t end_iter)
    : m_stream(stream), m_acc(acc), m_next_iter(first_iter), m_end_iter(end_iter), m_cursors(stream.rank_count()) {
  for (std::size_t r = 0; r < m_cursors.size(); ++r) {
    Cursor& c = m_cursors[r];
    c.last_iter = first_iter;
    if (first_iter > 0) {
      seek(r, first_iter);
      m_start_rows.push_back(c.next_row - m_rows.size());
      take_rows(r, 0);  // the rest of the chunk seek decoded
    } else {
      m_start_rows.push_back(0);
    }
    if (!c.done && c.next_row >= m_stream.rows(r)) {
      c.done = true;
      c.stop_row = c.next_row;
    }
  }
}

// Bisects the rank's chunks for its first row of an iteration ≥ iter,
// decoding one chunk per step. Leaves in m_rows the rows from that one to
// the end of its chunk (empty when it starts a chunk, or there is none),
// and next_row after them.
void WindowReader::seek(std::size_t rank, std::int64_t iter) {
  Cursor& c = m_cursors[rank];
  const std::uint64_t rows = m_stream.rows(rank), chunk = std::max<std::uint64_t>(1, m_stream.chunk_rows(rank));
  std::uint64_t lo = 0, hi = (rows + chunk - 1) / chunk;
  m_rows.clear();
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    const std::uint64_t first = mid * chunk, count = std::min(chunk, rows - first);
    m_rows.clear();
    m_stream.read(rank, first, count, m_rows);
    if (m_rows.back().iter < iter) {
      lo = mid + 1;
    } else if (m_rows.front().iter >= iter) {
      hi = mid;
    } else {
      const auto at = std::find_if(m_rows.begin(), m_rows.end(), [&](const TraceEvent& e) { return e.iter >= iter; });
      m_rows.erase(m_rows.begin(), at);
      c.next_row = first + count;
      return;
    }
  }
  m_rows.clear();
  c.next_row = std::min(rows, lo * chunk);
}

// Rows m_rows[from..] of `rank`, in file order: checked for order, cut at
// the range's end, added to the accumulator and to the rank's digest.
void WindowReader::take_rows(std::size_t rank, std::size_t from) {
  Cursor& c = m_cursors[rank];
  std::size_t end = from;
  const std::uint64_t first_row = c.next_row - (m_rows.size() - from);
  for (; end < m_rows.size(); ++end) {
    const TraceEvent& e = m_rows[end];
    if (e.iter >= m_end_iter) {
      c.done = true;
      c.stop_row = first_row + (end - from);
      break;
    }
    if (e.iter < c.last_iter)
      throw UnorderedTrace(fmt::format("/ranks/{:05d}/events row {} has iteration {} after iteration {}", rank,
                                       first_row + (end - from), e.iter, c.last_iter));
    c.last_iter = e.iter;
    if (c.spans.size() > c.taken_spans && c.spans.back().iter == e.iter) {
      IterationSpanRow& s = c.spans.back();
      s.start_ns = std::min(s.start_ns, e.t_start_ns);
      s.end_ns = std::max(s.end_ns, e.t_end_ns);
    } else {
      c.spans.push_back({e.iter, e.t_start_ns, e.t_end_ns});
    }
    if (m_acc.is_comm(e.op)) c.arrivals.push_back({e.op, e.iter, e.t_start_ns, e.t_end_ns});
  }
  m_acc.add_events(rank, std::span<const TraceEvent>(m_rows.data() + from, end - from));
}

void WindowReader::fill(std::size_t rank) {
  Cursor& c = m_cursors[rank];
  const std::uint64_t rows = m_stream.rows(rank), chunk = std::max<std::uint64_t>(1, m_stream.chunk_rows(rank));
  // What earlier windows took is dropped before the digest grows.
  c.spans.erase(c.spans.begin(), c.spans.begin() + static_cast<std::ptrdiff_t>(c.taken_spans));
  c.arrivals.erase(c.arrivals.begin(), c.arrivals.begin() + static_cast<std::ptrdiff_t>(c.taken_arrivals));
  c.taken_spans = c.taken_arrivals = 0;
  const std::uint64_t end = std::min(rows, (c.next_row / chunk + 1) * chunk);
  m_rows.clear();
  m_stream.read(rank, c.next_row, end - c.next_row, m_rows);
  c.next_row = end;
  take_rows(rank, 0);
  if (!c.done && c.next_row >= rows) {
    c.done = true;
    c.stop_row = rows;
  }
}

std::int64_t WindowReader::ready(std::size_t rank) const {
  const Cursor& c = m_cursors[rank];
  return c.done ? k_to_the_end : c.last_iter;
}

bool WindowReader::next(TraceWindow& window) {
  const std::size_t n = m_cursors.size();
  const std::int64_t begin = m_next_iter;
  if (begin >= m_end_iter) return false;
  // Every rank reads until the window's iterations are complete in its digest.
  std::int64_t end = k_to_the_end;
  for (;;) {
    end = k_to_the_end;
    for (std::size_t r = 0; r < n; ++r) end = std::min(end, ready(r));
    if (end > begin) break;
    for (std::size_t r = 0; r < n; ++r)
      if (ready(r) <= begin) fill(r);
  }
  // A window of many iterations is cut so that its arrivals, which the
  // accumulator gathers and sorts, stay within k_window_arrivals.
  if (end > begin + 1) {
    std::uint64_t pending = 0;
    std::int64_t last = begin;
    for (const Cursor& c : m_cursors) {
      pending += c.arrivals.size() - c.taken_arrivals;
      if (c.spans.size() > c.taken_spans) last = std::max(last, c.spans.back().iter);
    }
    const std::int64_t span = std::max<std::int64_t>(1, std::min(end, last + 1) - begin);
    if (pending > k_window_arrivals)
      end = begin + std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(span) *
                                                                     static_cast<double>(k_window_arrivals) /
                                                                     static_cast<double>(pending)));
  }
  window.spans.assign(n, {});
  window.arrivals.assign(n, {});
  std::int64_t largest = begin - 1;
  bool any = false;
  for (std::size_t r = 0; r < n; ++r) {
    Cursor& c = m_cursors[r];
    std::size_t s = c.taken_spans, a = c.taken_arrivals;
    while (s < c.spans.size() && c.spans[s].iter < end) ++s;
    while (a < c.arrivals.size() && c.arrivals[a].iter < end) ++a;
    window.spans[r] = std::span<const IterationSpanRow>(c.spans.data() + c.taken_spans, s - c.taken_spans);
    window.arrivals[r] = std::span<const CommArrival>(c.arrivals.data() + c.taken_arrivals, a - c.taken_arrivals);
    if (s > c.taken_spans) {
      largest = std::max(largest, c.spans[s - 1].iter);
      any = true;
    }
    if (a > c.taken_arrivals) largest = std::max<std::int64_t>(largest, c.arrivals[a - 1].iter);
    c.taken_spans = s;
    c.taken_arrivals = a;
  }
  if (!any && end == k_to_the_end) return false;  // every rank done, nothing left
  // Iterations past the last with an event are not the trace's: the window
  // ends after its last event.
  window.first_iter = begin;
  window.end_iter = largest + 1;
  m_next_iter = end;
  return true;
}

std::vector<std::uint64_t> WindowReader::stop_rows() const {
  std::vector<std::uint64_t> rows;
  for (const Cursor& c : m_cursors) rows.push_back(c.done ? c.stop_row : c.next_row);
  return rows;
}

}  // namespace flopwall
