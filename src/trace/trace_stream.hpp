#pragma once
// A trace file opened for reading its events a block of rows at a time.
// Opening checks everything but the event rows themselves, as read_trace
// does (trace_validation.hpp): the header, /ops, every rank's attributes,
// clock samples and recent ops, and the shape and storage of every events
// table. Each block of rows is checked as it is read, with the messages a
// whole table gets ("event 17 has op 9; ..."). Any fault is the one-line
// UsageError "damaged trace PATH: what".
//
// Blocks aligned to a table's chunks (chunk_rows) decode each chunk once;
// the file is opened without HDF5's chunk cache, so nothing is decoded
// twice behind the reader's back and memory is what the caller holds.
// Tables filtered as `flopwall run` writes them are decoded chunk by chunk
// by EventChunkDecoder (event_chunks.hpp), others by H5Dread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trace/event_chunks.hpp"
#include "trace/h5.hpp"
#include "trace/trace_data.hpp"
#include "trace/workload_sweep.hpp"

namespace flopwall {

class TraceStream {
 public:
  // A run or collective sweep trace. A workload sweep's trace (written by
  // `flopwall sweep`) opened this way yields its header and sweep() only: no
  // ops, no ranks; each of its points is opened on its own.
  explicit TraceStream(const std::string& path);
  // Point `point` (0-based, run order) of a workload sweep trace, read as a
  // run trace: the root's header with the point's config_json, truncated
  // flag and moe_json, and the point's ops and ranks. A UsageError when the
  // file is no workload sweep or has no such point.
  TraceStream(const std::string& path, std::size_t point);

  const std::string& path() const noexcept { return m_path; }
  // Header, ops and each rank's info; every rank's events are empty.
  const TraceData& meta() const noexcept { return m_meta; }
  // A workload sweep's parameter and values; nullopt for other traces.
  const std::optional<WorkloadSweep>& sweep() const noexcept { return m_sweep; }
  // The points a workload sweep's file holds (fewer than its values when a
  // graceful stop ended it early); 0 for other traces.
  std::size_t sweep_points() const noexcept { return m_sweep_points; }
  std::size_t rank_count() const noexcept { return m_tables.size(); }
  std::uint64_t rows(std::size_t rank) const { return m_tables.at(rank).rows; }
  // Rows per stored chunk; the whole table when it is not chunked.
  std::uint64_t chunk_rows(std::size_t rank) const { return m_tables.at(rank).chunk_rows; }

  // Appends rows [first, first + count) of `rank`'s events to `out`, checked.
  void read(std::size_t rank, std::uint64_t first, std::uint64_t count, std::vector<TraceEvent>& out);
  // One row's iteration (the row is checked as well).
  std::int32_t iter_at(std::size_t rank, std::uint64_t row);

 private:
  struct RankTable {
    h5::Handle dataset;
    std::uint64_t rows = 0;
    std::uint64_t chunk_rows = 0;
    std::optional<EventChunkLayout> chunks;  // set when chunks are decoded here
  };
  void open_checked(std::optional<std::size_t> point);
  // Rows [first, first + count) of one chunk of `t`, unchecked, into out.
  void read_in_chunk(const RankTable& t, std::uint64_t first, std::uint64_t count, TraceEvent* out,
                     const std::string& what);

  std::string m_path;
  std::string m_prefix;  // "" or "/points/NNNNN": where the ops and ranks are
  std::optional<WorkloadSweep> m_sweep;
  std::size_t m_sweep_points = 0;
  h5::Handle m_file;
  h5::Handle m_body;  // the point's group (a run's ops and ranks are at the root)
  h5::Handle m_event_type;
  std::uint64_t m_file_bytes = 0;
  std::unique_ptr<EventChunkDecoder> m_decoder;
  TraceData m_meta;
  std::vector<RankTable> m_tables;
  std::vector<TraceEvent> m_one;  // iter_at's row
};

}  // namespace flopwall
