#include "analysis/export/chrome_export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "analysis/export/chrome_event_writer.hpp"
#include "analysis/export/collective_flows.hpp"
#include "analysis/export/thread_lanes.hpp"
#include "analysis/trace_config.hpp"

namespace flopwall {
namespace {

// Rows per read: a stored chunk, so each is decoded once; a table stored in
// one piece (or in huge chunks) is read in blocks of this many rows.
constexpr std::uint64_t k_max_block_rows = std::uint64_t{1} << 16;

std::uint64_t block_rows(std::uint64_t chunk_rows) {
  return chunk_rows > 0 && chunk_rows <= 4 * k_max_block_rows ? chunk_rows : k_max_block_rows;
}

// Where a rank's rows are read from: the block bisection found (0 when
// there is none to do), and whether the rows are taken to be in iteration
// order from there (a collective sweep's never are).
struct RankStart {
  std::uint64_t row = 0;
  bool ordered = true;
};

class RankExporter {
 public:
  RankExporter(TraceStream& stream, const ChromeExportOptions& options, ExportOutput& out)
      : m_stream(stream),
        m_range(options.iterations),
        m_out(out),
        m_writer(stream.meta().ops, out),
        m_flows(stream.meta(), max_rows(stream)),
        m_restarts(parse_trace_config(stream.meta().header.config_json).string_field("mode") ==
                   std::optional<std::string>("collectives")) {}

  ChromeEventWriter& writer() { return m_writer; }
  const ChromeExportSummary& summary() const { return m_summary; }

  // Finds where each rank's rows start and, from the earliest start stamp
  // there, the shift that keeps every time at or after 0 (Perfetto drops
  // events before 0), for the writer and the summary.
  void plan();
  void export_rank(std::size_t rank);

 private:
  static std::uint64_t max_rows(const TraceStream& s) {
    std::uint64_t m = 0;
    for (std::size_t r = 0; r < s.rank_count(); ++r) m = std::max(m, s.rows(r));
    return m;
  }
  std::uint64_t block(std::size_t rank) const { return block_rows(m_stream.chunk_rows(rank)); }
  std::optional<std::uint64_t> seek(std::size_t rank);
  // Rows [first, stop) in blocks; with `ordered`, stops at the first row of
  // iteration >= B and clears `ordered` at the first row out of order.
  void scan(std::size_t rank, std::uint64_t first, std::uint64_t stop, bool& ordered);
  void emit(const TraceEvent& e);

  TraceStream& m_stream;
  IterationRange m_range;
  ExportOutput& m_out;
  ChromeEventWriter m_writer;
  CollectiveFlows m_flows;
  ThreadLanes m_lanes;
  bool m_restarts;  // a collective sweep: iterations restart at every op
  ChromeExportSummary m_summary;
  std::vector<TraceEvent> m_rows;
  std::vector<RankStart> m_starts;  // by rank

  // The rank being written.
  int m_pid = 0;
  std::vector<ClockSample> m_samples;  // by iteration
  std::vector<bool> m_sample_written;
  std::int32_t m_prev_iter = -1;
};

// The first block that may hold a row of iteration >= A, found by bisecting
// the blocks' first rows (iter_at); nullopt when those rows are out of order.
std::optional<std::uint64_t> RankExporter::seek(std::size_t rank) {
  const std::uint64_t rows = m_stream.rows(rank), size = block(rank);
  std::uint64_t lo = 0, hi = (rows + size - 1) / size;  // blocks [0, lo) start below A; [hi, ..) at A or later
  std::int64_t lo_iter = std::numeric_limits<std::int64_t>::min(), hi_iter = std::numeric_limits<std::int64_t>::max();
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    const std::int64_t iter = m_stream.iter_at(rank, mid * size);
    if (iter < lo_iter || iter > hi_iter) return std::nullopt;  // a probe contradicts an earlier one
    if (iter < m_range.first) {
      lo = mid + 1;
      lo_iter = iter;
    } else {
      hi = mid;
      hi_iter = iter;
    }
  }
  return lo == 0 ? 0 : (lo - 1) * size;
}

void RankExporter::plan() {
  std::int64_t earliest = 0;
  for (std::size_t r = 0; r < m_stream.rank_count(); ++r) {
    RankStart s{.row = 0, .ordered = !m_restarts};
    if (s.ordered && m_range.first > 0) {
      if (const auto at = seek(r)) s.row = *at;
      else s.ordered = false;
    }
    m_starts.push_back(s);
    // Stamps before the origin (ranks other than 0 may start a little before
    // rank 0's origin) come at the start of a run: in the first block that
    // holds selected rows (the one bisection found, or the next).
    const std::uint64_t rows = m_stream.rows(r);
    bool seen = false;
    for (std::uint64_t row = s.row, blocks = 0; row < rows && !seen && blocks < 2; ++blocks) {
      const std::uint64_t n = std::min(block(r) - row % block(r), rows - row);
      m_rows.clear();
      m_stream.read(r, row, n, m_rows);
      row += n;
      for (const TraceEvent& e : m_rows)
        if (m_range.contains(e.iter)) {
          earliest = std::min(earliest, e.t_start_ns);
          seen = true;
        }
    }
  }
  m_summary.ts_offset_ns = -earliest;
  m_writer.set_ts_offset(-earliest);
}

void RankExporter::scan(std::size_t rank, std::uint64_t first, std::uint64_t stop, bool& ordered) {
  const std::uint64_t size = block(rank);
  std::int64_t last = std::numeric_limits<std::int64_t>::min();
  for (std::uint64_t row = first; row < stop;) {
    const std::uint64_t n = std::min(size - row % size, stop - row);
    m_rows.clear();
    m_stream.read(rank, row, n, m_rows);
    row += n;
    for (const TraceEvent& e : m_rows) {
      if (ordered) {
        if (e.iter < last) ordered = false;
        else if (e.iter >= m_range.end) return;
      }
      last = e.iter;
      if (m_range.contains(e.iter)) emit(e);
    }
  }
}

void RankExporter::export_rank(std::size_t rank) {
  const RankInfo& info = m_stream.meta().ranks[rank].info;
  m_pid = chrome_pid(rank);
  m_writer.process(m_pid, static_cast<int>(rank), info.hostname);
  m_lanes.reset();
  m_flows.select_rank(rank);
  m_samples = info.clock_samples;
  std::stable_sort(m_samples.begin(), m_samples.end(),
                   [](const ClockSample& a, const ClockSample& b) { return a.iter < b.iter; });
  m_sample_written.assign(m_samples.size(), false);
  m_prev_iter = -1;

  const RankStart start = m_starts.at(rank);
  bool ordered = start.ordered;
  scan(rank, start.row, m_stream.rows(rank), ordered);
  // Out of order after a bisection: the rows skipped may hold selected
  // iterations too.
  if (!ordered && start.row > 0) scan(rank, 0, start.row, ordered);
  m_summary.crowded += m_lanes.crowded();
}

void RankExporter::emit(const TraceEvent& e) {
  const OpInfo& op = m_stream.meta().ops[static_cast<std::size_t>(e.op)];
  const ThreadLanes::Placement lane = m_lanes.place(op.kind, e.t_start_ns, e.t_end_ns);
  if (lane.new_lane)
    m_writer.thread(m_pid, lane.tid, ThreadLanes::thread_name(lane.tid), ThreadLanes::sort_index(lane.tid));
  if (e.iter != m_prev_iter) {
    // The first event of an iteration: a clock estimate taken before it
    // shows here (once, though a sweep's iterations come round again).
    m_prev_iter = e.iter;
    const auto it = std::lower_bound(m_samples.begin(), m_samples.end(), e.iter,
                                     [](const ClockSample& s, std::int32_t v) { return s.iter < v; });
    if (it != m_samples.end() && it->iter == e.iter) {
      const std::size_t k = static_cast<std::size_t>(it - m_samples.begin());
      if (!m_sample_written[k]) {
        m_sample_written[k] = true;
        m_writer.clock_sync(m_pid, lane.tid, e.t_start_ns, *it);
        ++m_summary.clock_syncs;
      }
    }
  }
  m_writer.slice(m_pid, lane.tid, e);
  ++m_summary.events;
  if (e.t_start_ns + m_summary.ts_offset_ns < 0) ++m_summary.before_origin;
  if (m_summary.first_iter < 0 || e.iter < m_summary.first_iter) m_summary.first_iter = e.iter;
  m_summary.last_iter = std::max<std::int64_t>(m_summary.last_iter, e.iter);
  if (const FlowStep step = m_flows.step(e.op); step != FlowStep::none) {
    // Viewers take a flow's events in time order and drop a step that comes
    // before its start. The start sits at the first rank's arrival; the
    // others at the last ns of their slice, which a blocking collective
    // reaches only after every member arrived: whatever the arrival order,
    // every step follows the start. (The arrows are drawn slice to slice.)
    const std::int64_t ts = step == FlowStep::start ? e.t_start_ns : std::max(e.t_start_ns, e.t_end_ns - 1);
    m_writer.flow(m_pid, lane.tid, e.op, step, m_flows.id(e.iter, e.op), ts);
    ++m_summary.flows;
  }
  m_out.maybe_flush();
}

nlohmann::json other_data(const TraceStream& stream, const ChromeExportOptions& options,
                          const ChromeExportSummary& s) {
  const TraceHeader& h = stream.meta().header;
  nlohmann::json j = {
      {"tool_version", h.tool_version},
      {"exported_by", options.exported_by},
      {"path", stream.path()},
      {"world_size", h.world_size},
      {"backend", h.backend},
      {"created_utc", h.created_utc},
      {"command_line", h.command_line},
      {"truncated", h.truncated},
      {"iterations", options.iterations.text()},
      {"iterations_written", s.events ? nlohmann::json::array({s.first_iter, s.last_iter}) : nlohmann::json(nullptr)},
      {"events", s.events},
      {"flow_events", s.flows},
      {"clock_syncs", s.clock_syncs},
      {"pid", "rank + 1 (Perfetto keeps pid 0 for the kernel's idle process)"},
      {"clock", "ts = t_start_ns + ts_offset_ns and dur in us with ns digits, on rank 0's timeline from the start of "
                "the timed loop"},
      {"ts_offset_ns", s.ts_offset_ns},
  };
  if (options.point) {
    j["point"] = *options.point;
    if (const auto& sweep = stream.sweep()) {
      j["sweep_param"] = sweep->param;
      j["point_value"] = sweep->values.at(*options.point);
    }
  }
  return j;
}

}  // namespace

int chrome_pid(std::size_t rank) { return static_cast<int>(rank) + 1; }

ChromeExportSummary write_chrome_trace(TraceStream& stream, const ChromeExportOptions& options, ExportOutput& out) {
  RankExporter exporter(stream, options, out);
  exporter.plan();
  exporter.writer().begin();
  for (std::size_t r = 0; r < stream.rank_count(); ++r) exporter.export_rank(r);
  ChromeExportSummary summary = exporter.summary();
  if (summary.events == 0) {
    // Said on stderr: what the trace holds, from each rank's last row.
    for (std::size_t r = 0; r < stream.rank_count(); ++r)
      if (stream.rows(r) > 0)
        summary.trace_last_iter =
            std::max<std::int64_t>(summary.trace_last_iter, stream.iter_at(r, stream.rows(r) - 1));
  }
  exporter.writer().end(other_data(stream, options, summary));
  return summary;
}

}  // namespace flopwall
