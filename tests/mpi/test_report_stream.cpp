// `flopwall report` read window by window, and split into ranges of
// iterations, gives exactly the report of the trace read whole: a trace of
// six ranks with three stored chunks each, written by however many
// processes run the test (write_trace_ranks: a process writes several ranks).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "analysis/report.hpp"
#include "analysis/report_streaming.hpp"
#include "platform/mpi_environment.hpp"
#include "trace/trace_reader.hpp"
#include "trace/trace_writer.hpp"

namespace flopwall {
namespace {

constexpr int k_ranks = 6;
constexpr std::int32_t k_iterations = 10'000;  // 4 ops each: 40,000 rows, three chunks of 16,384

std::vector<TraceEvent> events_of(int rank) {
  std::vector<TraceEvent> events;
  for (std::int32_t i = 0; i < k_iterations; ++i) {
    const std::int64_t base = std::int64_t{i} * 1'000'000;
    const std::int64_t late = (i * 7919 + rank * 104729) % 50'000 + (rank == 4 && i % 3 == 0 ? 200'000 : 0);
    const std::int64_t arrive = base + 100'000 + late;
    events.push_back({i, 0, base, arrive - 1'000, 1'000'000'000ULL + static_cast<unsigned>(rank), 64, 0});
    events.push_back({i, 1, arrive, base + 400'000, 0, 0, 4096});                 // allreduce on tp
    events.push_back({i, 2, base + 400'000, base + 450'000 + i % 97, 0, 1 << 20, 0});
    events.push_back({i, 3, base + 450'000 + late / 3, base + 600'000, 0, 0, 512});  // allgather on world
  }
  return events;
}

std::string all_formats(const Report& r) { return r.text() + r.json().dump() + r.csv(); }

TEST(ReportStream, WindowsAndRangesGiveTheWholeTracesReport) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const std::string path = broadcast_string(
      MPI_COMM_WORLD, rank == 0 ? testing::TempDir() + "stream-" + std::to_string(getpid()) + ".h5" : "");
  const std::vector<OpInfo> ops{{"gemm", OpKind::compute, 0, "none"}, {"allreduce", OpKind::comm, 0, "tp"},
                                {"gelu", OpKind::memory, 0, "none"}, {"allgather", OpKind::comm, 0, "world"}};
  const TraceHeader header{.tool_version = "test", .created_utc = "2026-01-01T00:00:00Z", .command_line = "test",
                           .config_json = R"({"model":"tiny"})", .world_size = k_ranks, .backend = "cpu"};
  std::vector<std::vector<TraceEvent>> held;
  std::vector<RankSource> mine;
  for (int r = rank; r < k_ranks; r += size) {
    RankInfo info{.hostname = "host", .local_rank = r, .device = "cpu", .clock_offset_ns = 0,
                  .clock_error_ns = 10 * r, .groups = {{"tp", r / 2}, {"world", 0}}};
    held.push_back(events_of(r));
    mine.push_back({.rank = r, .info = info, .event_count = held.back().size(),
                    .events = [&held, k = held.size() - 1] { return std::span<const TraceEvent>(held[k]); }});
  }
  write_trace_ranks(MPI_COMM_WORLD, {.path = path}, header, ops, mine);

  if (rank == 0) {
    const TraceData whole = read_trace(path);
    ASSERT_EQ(whole.ranks.size(), static_cast<std::size_t>(k_ranks));
    const std::string expected = all_formats(Report::build(whole, path, std::nullopt));
    TraceStream stream(path);
    ASSERT_EQ(stream.chunk_rows(0), 16384u);
    const auto report_of = [&](ReportTotals t) {
      return all_formats(Report::build(stream.meta(), std::make_shared<const ReportTotals>(std::move(t)), path,
                                       std::nullopt));
    };
    EXPECT_EQ(report_of(stream_report_totals(stream, 0).totals), expected);
    // Ranges along the chunks, and arbitrary ones; each must meet the next row for row.
    for (const std::vector<std::int64_t>& bounds :
         {split_iterations(stream, 3), split_iterations(stream, 7),
          std::vector<std::int64_t>{0, 1, 4095, 4096, 9999, WindowReader::k_to_the_end}}) {
      ReportTotals merged;
      std::vector<std::uint64_t> stop(k_ranks, 0);
      for (std::size_t p = 0; p + 1 < bounds.size(); ++p) {
        StreamedTotals part = stream_report_totals(stream, bounds[p], bounds[p + 1]);
        EXPECT_EQ(part.start_rows, stop) << "range " << p;
        stop = part.stop_rows;
        if (p == 0)
          merged = std::move(part.totals);
        else
          merged.merge(part.totals);
      }
      EXPECT_EQ(stop, std::vector<std::uint64_t>(k_ranks, 4u * k_iterations));
      EXPECT_EQ(report_of(std::move(merged)), expected);
    }
    std::remove(path.c_str());
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace
}  // namespace flopwall
