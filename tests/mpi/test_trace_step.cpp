// The /ops `step` column (serve mode's decode step) and `collective` column
// (a comm op's collective): written and read back, and a trace from before
// the columns existed reads as all prefill (-1) naming no collective.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstring>

#include "platform/mpi_environment.hpp"
#include "trace/trace_reader.hpp"
#include "trace/trace_schema.hpp"
#include "trace/trace_writer.hpp"

namespace flopwall {
namespace {

// Replaces /ops by the same rows without the `step` and `collective` columns, as older traces stored it.
void drop_step_column(const std::string& path, const std::vector<OpInfo>& ops) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  ASSERT_GE(H5Ldelete(file, "ops", H5P_DEFAULT), 0);
  std::vector<trace_schema::OpRow> rows(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    std::memset(&rows[i], 0, sizeof rows[i]);
    rows[i].id = static_cast<std::int32_t>(i);
    rows[i].layer = ops[i].layer;
    ops[i].name.copy(rows[i].name.data(), rows[i].name.size() - 1);
    op_kind_name(ops[i].kind).copy(rows[i].kind.data(), rows[i].kind.size() - 1);
    ops[i].group.copy(rows[i].group.data(), rows[i].group.size() - 1);
  }
  h5::Handle old_type = trace_schema::op_row_type(false, false);
  const hsize_t dims[1] = {rows.size()};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t dset = H5Dcreate2(file, "ops", old_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(dset, 0);
  ASSERT_GE(H5Dwrite(dset, old_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), 0);
  H5Dclose(dset);
  H5Sclose(space);
  H5Fclose(file);
}

TEST(TraceStep, SurvivesTheRoundTripAndDefaultsToPrefillInOlderTraces) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const std::string path = broadcast_string(
      MPI_COMM_WORLD, rank == 0 ? testing::TempDir() + "trace-step-" + std::to_string(getpid()) + ".h5" : "");
  const std::vector<OpInfo> ops{{"qkv_proj", OpKind::compute, 0, "none", -1},
                                {"decode_attention", OpKind::memory, 0, "none", 0},
                                {"decode_allreduce_mlp", OpKind::comm, 1, "tp", 2, "allreduce"}};
  TraceHeader header{.tool_version = "test", .created_utc = "2026-01-01T00:00:00Z", .command_line = "flopwall run",
                     .config_json = R"({"model":"tiny","mode":"serve"})", .world_size = size, .backend = "cpu"};
  std::vector<TraceEvent> events;
  for (int i = 0; i < 6; ++i)
    events.push_back({.iter = i / 3, .op = i % 3, .t_start_ns = 100L * i, .t_end_ns = 100L * i + 50});
  const RankInfo info{.hostname = "h", .device = "cpu test", .groups = {{"world", 0}, {"tp", 0}, {"dp", rank}}};
  write_trace(MPI_COMM_WORLD, {.path = path}, header, ops, info, events);
  if (rank == 0) {
    const TraceData written = read_trace(path);
    ASSERT_EQ(written.ops.size(), 3u);
    EXPECT_EQ(written.ops[0].step, -1);
    EXPECT_EQ(written.ops[1].step, 0);
    EXPECT_EQ(written.ops[2].step, 2);
    EXPECT_EQ(written.ops[0].collective, "");
    EXPECT_EQ(written.ops[2].collective, "allreduce");
    drop_step_column(path, ops);
    const TraceData older = read_trace(path);
    ASSERT_EQ(older.ops.size(), 3u);
    for (const OpInfo& op : older.ops) {
      EXPECT_EQ(op.step, -1) << op.name;
      EXPECT_EQ(op.collective, "") << op.name;
    }
    EXPECT_EQ(older.ops[2].name, "decode_allreduce_mlp");
    std::remove(path.c_str());
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace
}  // namespace flopwall
