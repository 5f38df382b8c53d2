#include "analysis/window_reader.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace flopwall {
namespace {

// A window is this fraction of a chunk of the pilot rank: a rank then holds
// at most its unread rest of one chunk and the next chunk.
constexpr std::uint64_t k_window_chunk_fraction = 4;

}  // namespace

WindowReader::WindowReader(TraceStream& stream, std::int64_t first_iter, std::int64_t end_iter)
    : m_stream(stream), m_next_iter(first_iter), m_end_iter(end_iter), m_cursors(stream.rank_count()) {
  for (std::size_t r = 0; r < m_cursors.size(); ++r) {
    m_cursors[r].last_iter = first_iter;
    if (first_iter > 0) seek(r, first_iter);
    m_start_rows.push_back(m_cursors[r].next_row - (m_cursors[r].buffer.size() - m_cursors[r].at));
  }
}

// Bisects the rank's chunks for its first row of an iteration ≥ iter,
// decoding one chunk per step; the chunk that holds it stays in the buffer.
void WindowReader::seek(std::size_t rank, std::int64_t iter) {
  Cursor& c = m_cursors[rank];
  const std::uint64_t rows = m_stream.rows(rank), chunk = std::max<std::uint64_t>(1, m_stream.chunk_rows(rank));
  std::uint64_t lo = 0, hi = (rows + chunk - 1) / chunk;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    const std::uint64_t first = mid * chunk, count = std::min(chunk, rows - first);
    c.buffer.clear();
    m_stream.read(rank, first, count, c.buffer);
    if (c.buffer.back().iter < iter) {
      lo = mid + 1;
    } else if (c.buffer.front().iter >= iter) {
      hi = mid;
    } else {
      const auto at = std::find_if(c.buffer.begin(), c.buffer.end(), [&](const TraceEvent& e) { return e.iter >= iter; });
      c.at = static_cast<std::size_t>(at - c.buffer.begin());
      c.next_row = first + count;
      return;
    }
  }
  c.buffer.clear();
  c.at = 0;
  c.next_row = std::min(rows, lo * chunk);
}

bool WindowReader::has_rows(std::size_t rank) const {
  const Cursor& c = m_cursors[rank];
  if (c.at < c.buffer.size()) return c.buffer[c.at].iter < m_end_iter;
  return c.next_row < m_stream.rows(rank);
}

void WindowReader::fill(std::size_t rank) {
  Cursor& c = m_cursors[rank];
  const std::uint64_t rows = m_stream.rows(rank), chunk = std::max<std::uint64_t>(1, m_stream.chunk_rows(rank));
  c.buffer.erase(c.buffer.begin(), c.buffer.begin() + static_cast<std::ptrdiff_t>(c.at));
  c.at = 0;
  if (c.buffer.capacity() < chunk + chunk / k_window_chunk_fraction)
    c.buffer.reserve(static_cast<std::size_t>(std::min(rows, chunk + chunk / k_window_chunk_fraction)));
  const std::uint64_t end = std::min(rows, (c.next_row / chunk + 1) * chunk);
  m_stream.read(rank, c.next_row, end - c.next_row, c.buffer);
  c.next_row = end;
}

bool WindowReader::next(TraceWindow& window) {
  const std::size_t n = m_cursors.size();
  window.ranks.assign(n, {});
  if (m_next_iter >= m_end_iter) return false;
  // The pilot: the first rank with rows left in the range.
  std::size_t pilot = n;
  for (std::size_t r = 0; r < n && pilot == n; ++r) {
    while (m_cursors[r].at >= m_cursors[r].buffer.size() && has_rows(r)) fill(r);
    if (has_rows(r)) pilot = r;
  }
  if (pilot == n) return false;
  const std::int64_t begin = m_next_iter;
  {
    Cursor& c = m_cursors[pilot];
    const std::uint64_t want = std::max<std::uint64_t>(1, m_stream.chunk_rows(pilot) / k_window_chunk_fraction);
    while (c.buffer.size() - c.at < want && c.next_row < m_stream.rows(pilot)) fill(pilot);
    const std::size_t last = c.at + static_cast<std::size_t>(std::min<std::uint64_t>(want, c.buffer.size() - c.at)) - 1;
    const std::int64_t pilot_end = std::max<std::int64_t>(c.buffer[last].iter, m_next_iter) + 1;
    m_next_iter = std::min(m_end_iter, std::max(pilot_end, m_next_iter + 1));
  }
  const std::int64_t end = m_next_iter;
  std::int64_t largest = begin - 1;
  for (std::size_t r = 0; r < n; ++r) {
    Cursor& c = m_cursors[r];
    std::size_t k = c.at;
    for (;;) {
      if (k == c.buffer.size()) {
        if (c.next_row >= m_stream.rows(r)) break;
        const std::size_t taken = k - c.at;
        fill(r);
        k = c.at + taken;
        continue;
      }
      const std::int64_t iter = c.buffer[k].iter;
      if (iter >= end) break;
      if (iter < c.last_iter)
        throw UnorderedTrace(fmt::format("/ranks/{:05d}/events row {} has iteration {} after iteration {}", r,
                                         c.next_row - (c.buffer.size() - k), iter, c.last_iter));
      c.last_iter = iter;
      ++k;
    }
    window.ranks[r] = std::span<const TraceEvent>(c.buffer.data() + c.at, k - c.at);
    if (k > c.at) largest = std::max<std::int64_t>(largest, c.buffer[k - 1].iter);
    c.at = k;  // handed out: dropped at the rank's next fill
  }
  // Iterations past the last with an event are not the trace's: the window
  // ends after its last event.
  window.first_iter = begin;
  window.end_iter = largest + 1;
  return true;
}

std::vector<std::uint64_t> WindowReader::stop_rows() const {
  std::vector<std::uint64_t> rows;
  for (const Cursor& c : m_cursors) rows.push_back(c.next_row - (c.buffer.size() - c.at));
  return rows;
}

}  // namespace flopwall
