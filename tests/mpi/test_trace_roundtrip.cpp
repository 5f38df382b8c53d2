// Every rank writes its events into one file with parallel HDF5; reading the
// file back gives exactly what each rank wrote.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "platform/mpi_environment.hpp"
#include "trace/trace_reader.hpp"
#include "trace/trace_writer.hpp"

namespace flopwall {
namespace {

std::vector<TraceEvent> events_of(int rank, int count) {
  std::vector<TraceEvent> events;
  for (int i = 0; i < count; ++i)
    events.push_back({.iter = i / 3, .op = i % 3, .t_start_ns = 1000L * i + rank, .t_end_ns = 1000L * i + 500 + rank,
                      .flops = 1ULL << 40 | static_cast<unsigned>(i), .bytes_mem = 7ULL * i + rank,
                      .bytes_comm = static_cast<std::uint64_t>(rank)});
  return events;
}

// Files named like the writer's temporary files for `path`.
int temporary_files_beside(const std::string& path) {
  const std::filesystem::path p(path);
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(p.parent_path()))
    if (entry.path().filename().string().starts_with(p.filename().string() + ".") && entry.path().extension() == ".tmp") ++n;
  return n;
}

TEST(TraceRoundTrip, AllRanksEventsAndAttributesSurvive) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const std::string path = broadcast_string(
      MPI_COMM_WORLD, rank == 0 ? testing::TempDir() + "roundtrip-" + std::to_string(getpid()) + ".h5" : "");

  const std::vector<OpInfo> ops{{"qkv_proj", OpKind::compute, 0, "none"}, {"allreduce_attn", OpKind::comm, 0, "tp"},
                                {"gelu", OpKind::memory, 1, "none"}};
  TraceHeader header{.tool_version = "test", .created_utc = "2026-01-01T00:00:00Z", .command_line = "flopwall run",
                     .config_json = R"({"model":"tiny"})", .world_size = size, .backend = "cpu",
                     .meta = {{"hdf5", "x"}}, .environment = {{"OMPI_TEST", "1"}}};
  // Different ranks hold different event counts (3 + 3·rank rows).
  const auto mine = events_of(rank, 3 + 3 * rank);
  // Rank r has r clock samples and r + 1 recent ops: tables of every length, 0 included.
  RankInfo info{.hostname = "host" + std::to_string(rank), .local_rank = rank, .device = "cpu test",
                .clock_offset_ns = -rank * 11, .clock_error_ns = rank * 3,
                .groups = {{"world", 0}, {"tp", rank / 2}, {"dp", rank % 2}}};
  for (int i = 0; i < rank; ++i) info.clock_samples.push_back({.iter = 10 * i, .pad_ = 0, .offset_ns = i - rank, .error_ns = 7 * i});
  for (int i = 0; i <= rank; ++i) info.recent_ops.push_back({.op = i, .iter = rank, .issued_ns = 100 * i, .completed_ns = i == rank ? -1 : 100 * i + 50});
  write_trace(MPI_COMM_WORLD, {.path = path}, header, ops, info, mine);

  EXPECT_EQ(temporary_files_beside(path), 0);
  if (rank == 0) {
    const TraceData t = read_trace(path);
    EXPECT_TRUE(t.header.complete);
    EXPECT_FALSE(t.header.truncated);
    EXPECT_EQ(t.header.world_size, size);
    EXPECT_EQ(t.header.backend, "cpu");
    EXPECT_EQ(t.header.config_json, header.config_json);
    EXPECT_EQ(t.header.meta, header.meta);
    EXPECT_EQ(t.header.environment, header.environment);
    ASSERT_EQ(t.ops.size(), ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) {
      EXPECT_EQ(t.ops[i].name, ops[i].name);
      EXPECT_EQ(t.ops[i].kind, ops[i].kind);
      EXPECT_EQ(t.ops[i].layer, ops[i].layer);
      EXPECT_EQ(t.ops[i].group, ops[i].group);
    }
    ASSERT_EQ(static_cast<int>(t.ranks.size()), size);
    for (int r = 0; r < size; ++r) {
      const RankTrace& rt = t.ranks[static_cast<std::size_t>(r)];
      EXPECT_EQ(rt.info.hostname, "host" + std::to_string(r));
      EXPECT_EQ(rt.info.local_rank, r);
      EXPECT_EQ(rt.info.clock_offset_ns, -r * 11);
      EXPECT_EQ(rt.info.clock_error_ns, r * 3);
      const std::vector<std::pair<std::string, std::int64_t>> groups{{"dp", r % 2}, {"tp", r / 2}, {"world", 0}};
      EXPECT_EQ(rt.info.groups, groups);  // read back in attribute-name order
      ASSERT_EQ(rt.info.clock_samples.size(), static_cast<std::size_t>(r));
      for (int i = 0; i < r; ++i) {
        EXPECT_EQ(rt.info.clock_samples[static_cast<std::size_t>(i)].iter, 10 * i);
        EXPECT_EQ(rt.info.clock_samples[static_cast<std::size_t>(i)].offset_ns, i - r);
        EXPECT_EQ(rt.info.clock_samples[static_cast<std::size_t>(i)].error_ns, 7 * i);
      }
      ASSERT_EQ(rt.info.recent_ops.size(), static_cast<std::size_t>(r + 1));
      EXPECT_EQ(rt.info.recent_ops.back().op, r);
      EXPECT_EQ(rt.info.recent_ops.back().completed_ns, -1);
      EXPECT_EQ(rt.info.recent_ops.front().issued_ns, 0);
      const auto expected = events_of(r, 3 + 3 * r);
      ASSERT_EQ(rt.events.size(), expected.size()) << "rank " << r;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(rt.events[i].iter, expected[i].iter);
        EXPECT_EQ(rt.events[i].op, expected[i].op);
        EXPECT_EQ(rt.events[i].t_start_ns, expected[i].t_start_ns);
        EXPECT_EQ(rt.events[i].t_end_ns, expected[i].t_end_ns);
        EXPECT_EQ(rt.events[i].flops, expected[i].flops);
        EXPECT_EQ(rt.events[i].bytes_mem, expected[i].bytes_mem);
        EXPECT_EQ(rt.events[i].bytes_comm, expected[i].bytes_comm);
      }
    }
    std::filesystem::remove(path);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

// An existing file is kept unless the writer is told to overwrite it; either
// way no temporary file stays behind.
TEST(TraceRoundTrip, ExistingFileIsReplacedOnlyWithOverwrite) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const std::string path = broadcast_string(
      MPI_COMM_WORLD, rank == 0 ? testing::TempDir() + "taken-" + std::to_string(getpid()) + ".h5" : "");
  if (rank == 0) std::ofstream(path) << "keep me";
  MPI_Barrier(MPI_COMM_WORLD);
  const std::vector<OpInfo> ops{{"gelu", OpKind::memory, 0, "none"}};
  const TraceHeader header{.tool_version = "test", .created_utc = "2026-01-01T00:00:00Z", .command_line = "t",
                           .config_json = "{}", .world_size = size, .backend = "cpu"};
  const RankInfo info{.hostname = "h", .device = "cpu test"};
  const auto mine = std::vector<TraceEvent>{{.iter = 0, .op = 0, .t_start_ns = 1, .t_end_ns = 2}};

  EXPECT_THROW(write_trace(MPI_COMM_WORLD, {.path = path}, header, ops, info, mine), JobFailure);
  EXPECT_EQ(std::filesystem::file_size(path), 7u);  // untouched
  EXPECT_EQ(temporary_files_beside(path), 0);
  MPI_Barrier(MPI_COMM_WORLD);  // before rank 0 claims the next temporary name

  write_trace(MPI_COMM_WORLD, {.path = path, .overwrite = true}, header, ops, info, mine);
  EXPECT_EQ(temporary_files_beside(path), 0);
  if (rank == 0) {
    EXPECT_EQ(read_trace(path).ranks.size(), static_cast<std::size_t>(size));
    std::filesystem::remove(path);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace
}  // namespace flopwall
