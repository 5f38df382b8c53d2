#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "analysis/report.hpp"
#include "core/statistics.hpp"
#include "core/error.hpp"
#include "trace/h5.hpp"
#include "trace/trace_reader.hpp"
#include "trace/trace_schema.hpp"
#include "trace/trace_validation.hpp"

namespace flopwall {
namespace {

std::string read_error(const std::string& path) {
  try {
    read_trace(path);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "<accepted>";
}

// An HDF5 file with checksummed metadata (as flopwall writes), or the
// oldest format without checksums.
h5::Handle create_h5(const std::string& path, bool checksummed = true) {
  h5::silence_errors();
  h5::Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (checksummed) H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_LATEST);
  return h5::Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose);
}

// An HDF5 file with the given root attributes and nothing else.
std::string make_h5(const std::string& name, const std::string& schema, std::int64_t version, std::int64_t complete,
                    bool checksummed = true) {
  const std::string path = testing::TempDir() + name;
  h5::Handle f = create_h5(path, checksummed);
  if (!schema.empty()) h5::write_attribute(f, "schema", schema);
  if (version >= 0) h5::write_attribute(f, "schema_version", version);
  if (complete >= 0) h5::write_attribute(f, "complete", complete);
  return path;
}

TEST(TraceReader, RejectsAMissingFile) {
  EXPECT_NE(read_error("/nonexistent/run.h5").find("does not exist"), std::string::npos);
}

TEST(TraceReader, RejectsAFileThatIsNotHdf5) {
  const std::string path = testing::TempDir() + "not_hdf5.h5";
  std::ofstream(path) << "iter,op\n1,2\n";
  EXPECT_NE(read_error(path).find("is not an HDF5 file"), std::string::npos);
  std::remove(path.c_str());
}

TEST(TraceReader, RejectsHdf5ThatIsNotATrace) {
  const std::string path = make_h5("plain.h5", "", -1, -1);
  EXPECT_NE(read_error(path).find("is not a flopwall trace"), std::string::npos);
  const std::string other = make_h5("other.h5", "someone-else", 1, 1);
  EXPECT_NE(read_error(other).find("its schema is 'someone-else'"), std::string::npos);
  std::remove(path.c_str());
  std::remove(other.c_str());
}

TEST(TraceReader, RejectsAnotherSchemaVersion) {
  const std::string path = make_h5("v99.h5", "flopwall-trace", 99, 1);
  EXPECT_NE(read_error(path).find("schema version 99"), std::string::npos);
  std::remove(path.c_str());
}

TEST(TraceReader, RejectsAnIncompleteTrace) {
  const std::string path = make_h5("incomplete.h5", "flopwall-trace", 1, 0);
  EXPECT_NE(read_error(path).find("is incomplete"), std::string::npos);
  std::remove(path.c_str());
}

TEST(TraceReader, RejectsATraceWithMissingParts) {
  const std::string path = make_h5("hollow.h5", "flopwall-trace", 1, 1);
  EXPECT_EQ(read_error(path).rfind("damaged trace " + path + ": ", 0), 0u) << read_error(path);
  std::remove(path.c_str());
}

TEST(TraceReader, RefusesMetadataWithoutChecksumsBeforeHdf5ParsesIt) {
  const std::string path = make_h5("v0.h5", "flopwall-trace", 1, 1, false);
  EXPECT_EQ(read_error(path), "damaged trace " + path +
                                  ": written without metadata checksums (HDF5 superblock version 0), so it is not a "
                                  "flopwall trace this version can check; traces from this flopwall have version 3 "
                                  "('h5repack -L -f FLET OLD.h5 NEW.h5' converts an intact older trace)");
  std::remove(path.c_str());
}

TEST(TraceReader, RefusesAttributesOfTheWrongType) {
  const std::string path = testing::TempDir() + "types.h5";
  {
    h5::Handle f = create_h5(path);
    h5::write_attribute(f, "schema", "flopwall-trace");
    h5::write_attribute(f, "schema_version", "1");
    h5::write_attribute(f, "complete", std::int64_t{1});
  }
  EXPECT_NE(read_error(path).find("attribute 'schema_version' is a string; expected an integer"), std::string::npos)
      << read_error(path);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace flopwall

// ---- the validation helpers (trace/trace_validation.hpp) ----------------------

namespace flopwall::trace_checks {
namespace {

std::vector<unsigned char> superblock_bytes(int version) {
  std::vector<unsigned char> b{0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (version >= 0) b.push_back(static_cast<unsigned char>(version));
  return b;
}

TEST(TraceValidation, FindsTheSuperblockVersion) {
  EXPECT_EQ(superblock_version(superblock_bytes(3)), 3);
  EXPECT_EQ(superblock_version(superblock_bytes(0)), 0);
  EXPECT_EQ(superblock_version(superblock_bytes(-1)), -1);  // cut after the signature
  auto wrong = superblock_bytes(3);
  wrong[1] = 'h';
  EXPECT_FALSE(superblock_version(wrong));
  EXPECT_FALSE(superblock_version(std::vector<unsigned char>{0x89, 'H', 'D'}));
}

TEST(TraceValidation, TrustsOnlyChecksummedSuperblocksAtTheStart) {
  EXPECT_FALSE(superblock_fault(0, 3));
  EXPECT_FALSE(superblock_fault(0, 2));
  EXPECT_NE(superblock_fault(0, 0)->find("without metadata checksums (HDF5 superblock version 0)"), std::string::npos);
  EXPECT_NE(superblock_fault(0, 1)->find("superblock version 1"), std::string::npos);
  EXPECT_NE(superblock_fault(0, 4)->find("version 4 is unknown"), std::string::npos);
  EXPECT_NE(superblock_fault(512, 3)->find("after a user block"), std::string::npos);
  EXPECT_NE(superblock_fault(0, -1)->find("ends inside"), std::string::npos);
}

TEST(TraceValidation, MeasuresJsonNestingWithoutParsing) {
  EXPECT_EQ(json_nesting_depth("{}", 64), 1);
  EXPECT_EQ(json_nesting_depth(R"({"a":[1,{"b":[]}]})", 64), 4);
  EXPECT_EQ(json_nesting_depth(R"({"a":"[[[[\"[[["})", 64), 1);  // brackets and escaped quotes inside a string
  EXPECT_EQ(json_nesting_depth("", 64), 0);
  // Stops just past the limit instead of scanning 2 MB.
  EXPECT_EQ(json_nesting_depth(std::string(2u << 20, '['), 64), 65);
}

TEST(TraceValidation, ChecksConfigJsonTypes) {
  EXPECT_FALSE(config_json_fault(R"({"model":"tiny","hidden":256,"timeout_s":300.0,"inject_delay_us":0})"));
  EXPECT_FALSE(config_json_fault(R"({"mode":"collectives","check":true,"tiers":["world"],"stepfactor":2.0})"));
  EXPECT_FALSE(config_json_fault(R"({"unknown_key":[1,2,{"x":null}]})"));  // unknown keys pass
  EXPECT_EQ(*config_json_fault(R"({"hidden":"256"})"),
            R"(config_json key 'hidden' is string ("256"); expected an integer)");
  EXPECT_NE(config_json_fault(R"({"model":5})")->find("key 'model' is number"), std::string::npos);
  EXPECT_NE(config_json_fault(R"({"tiers":["world",3]})")->find("an array of strings"), std::string::npos);
  EXPECT_NE(config_json_fault(R"({"timeout_s":"300"})")->find("expected a number"), std::string::npos);
  EXPECT_NE(config_json_fault(R"({"check":1})")->find("expected a boolean"), std::string::npos);
  EXPECT_EQ(*config_json_fault("[1]"), "config_json is a JSON array; expected an object");
  EXPECT_EQ(*config_json_fault(R"({"model":)"), "config_json is not valid JSON");
  EXPECT_NE(config_json_fault(std::string(100, '['))->find("more than 64 levels"), std::string::npos);
  const std::string big = R"({"model":")" + std::string(1u << 20, 'x') + R"("})";
  EXPECT_EQ(*config_json_fault(big), "config_json is 1048588 bytes; a configuration is at most 1048576");
  const auto nested = [](int depth) {  // an object holding depth − 1 nested arrays
    return R"({"x":)" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  EXPECT_FALSE(config_json_fault(nested(64)));
  EXPECT_NE(config_json_fault(nested(65))->find("more than 64 levels"), std::string::npos);
}

TraceEvent event(std::int32_t iter, std::int32_t op, std::int64_t start, std::int64_t end) {
  return {.iter = iter, .op = op, .t_start_ns = start, .t_end_ns = end, .flops = 0, .bytes_mem = 0, .bytes_comm = 0};
}

TEST(TraceValidation, AcceptsSoundEvents) {
  const std::vector<TraceEvent> events{event(0, 0, 0, 5), event(0, 1, 5, 9), event(1, 0, -3, -3)};
  EXPECT_FALSE(events_fault(events, 2));
  EXPECT_FALSE(events_fault({}, 0));
}

TEST(TraceValidation, FindsEachKindOfBadEvent) {
  const auto fault = [](TraceEvent e) { return *events_fault(std::vector<TraceEvent>{event(0, 0, 0, 1), e}, 3); };
  EXPECT_EQ(fault(event(0, 3, 0, 1)), "event 1 has op 3; /ops has 3 rows, so valid ops are 0 .. 2");
  EXPECT_NE(fault(event(0, -1, 0, 1)).find("has op -1"), std::string::npos);
  EXPECT_EQ(fault(event(-1, 0, 0, 1)), "event 1 has iter -1; with 2 events the iterations lie in 0 .. 1");
  EXPECT_NE(fault(event(2, 0, 0, 1)).find("has iter 2"), std::string::npos);  // more iterations than events
  EXPECT_NE(fault(event(INT32_MAX, 0, 0, 1)).find("has iter 2147483647"), std::string::npos);
  EXPECT_NE(fault(event(INT32_MIN, 0, 0, 1)).find("has iter -2147483648"), std::string::npos);
  EXPECT_EQ(fault(event(1, 0, 10, 9)), "event 1 ends (t_end_ns 9) before it starts (t_start_ns 10)");
  EXPECT_NE(fault(event(1, 0, INT64_MIN, 0)).find("beyond the +-2^62 ns"), std::string::npos);
  EXPECT_NE(fault(event(1, 0, 0, INT64_MAX)).find("beyond the +-2^62 ns"), std::string::npos);
}

TEST(TraceValidation, BoundsContiguousTablesByTheFile) {
  TableExtent t{.rows = 10, .file_row_bytes = 64, .mem_row_bytes = 64, .storage_bytes = 640};
  EXPECT_FALSE(extent_fault(t, 10'000));
  EXPECT_NE(extent_fault(t, 600)->find("occupies 640 bytes in a file of 600 bytes"), std::string::npos);
  t.storage_bytes = 0;  // declared, never written
  EXPECT_EQ(*extent_fault(t, 10'000), "declares 10 rows (640 bytes) but stores 0 bytes");
  t.rows = 20'000'000;
  EXPECT_EQ(*extent_fault(t, 30'000), "declares 20000000 rows (1280000000 bytes) in a file of 30000 bytes");
  t.rows = UINT64_MAX / 2;
  EXPECT_NE(extent_fault(t, 30'000)->find("more than any file holds"), std::string::npos);
}

TEST(TraceValidation, BoundsChunkedTablesByTheirStoredChunks) {
  TableExtent t{.rows = 20'000'000, .file_row_bytes = 48, .mem_row_bytes = 48, .storage_bytes = 0,
                .chunked = true, .compressed = true, .chunk_rows = 16384, .chunks_stored = 0};
  EXPECT_EQ(*extent_fault(t, 29'000), "declares 20000000 rows in 1221 chunks but stores 0 chunks");
  t = {.rows = 100, .file_row_bytes = 48, .mem_row_bytes = 48, .storage_bytes = 900,
       .chunked = true, .compressed = true, .chunk_rows = 100, .chunks_stored = 1};
  EXPECT_FALSE(extent_fault(t, 10'000));
  t.storage_bytes = 4;  // 4800 bytes cannot come out of 4 compressed bytes
  EXPECT_NE(extent_fault(t, 10'000)->find("beyond what compression can give"), std::string::npos);
  t.compressed = false;
  t.storage_bytes = 4799;
  EXPECT_NE(extent_fault(t, 10'000)->find("stores only 4799 bytes"), std::string::npos);
  t = {.rows = 0, .file_row_bytes = 48, .mem_row_bytes = 48, .storage_bytes = 0,
       .chunked = true, .compressed = true, .chunk_rows = 1, .chunks_stored = 0};
  EXPECT_FALSE(extent_fault(t, 10'000));  // an empty events table, as written
  t.chunk_rows = 0;
  EXPECT_EQ(*extent_fault(t, 10'000), "has chunks of 0 rows");
  t = {.rows = 10, .file_row_bytes = 48, .mem_row_bytes = 48, .storage_bytes = 100,
       .chunked = true, .compressed = true, .chunk_rows = 1u << 30, .chunks_stored = 1};
  EXPECT_NE(extent_fault(t, 10'000)->find("chunks of 1073741824 rows for 10 rows"), std::string::npos);
}

TEST(TraceValidation, ChecksWorldSizeAgainstTheRankGroups) {
  EXPECT_FALSE(world_size_fault(2, 2));
  EXPECT_EQ(*world_size_fault(0, 0), "world_size 0 is not valid; valid: 1 .. 16777216");
  EXPECT_NE(world_size_fault(-1, 2)->find("world_size -1 is not valid"), std::string::npos);
  EXPECT_NE(world_size_fault(std::int64_t{1} << 30, 2)->find("1073741824 is not valid"), std::string::npos);
  EXPECT_EQ(*world_size_fault(3, 2), "world_size is 3 but /ranks holds 2 groups");
}

TEST(TraceValidation, KeepsMessagesOnOneReadableLine) {
  EXPECT_EQ(printable("a\nb\x1b[31m\xff"), "a?b?[31m?");
  EXPECT_EQ(printable(std::string(10, 'x'), 4), "xxxx...");
  EXPECT_TRUE(is_printable_ascii("allreduce.65536B.world.oop"));
  EXPECT_FALSE(is_printable_ascii("tab\there"));
  EXPECT_FALSE(is_printable_ascii("\xc3\xa9"));
}

TEST(TraceValidation, ComparesTableFieldsByName) {
  const std::string path = testing::TempDir() + "fields.h5";
  h5::Handle f = create_h5(path);
  // An events table whose t_end_ns is an int32 and with an extra field.
  h5::Handle type(H5Tcreate(H5T_COMPOUND, 52), H5Tclose);
  const std::pair<const char*, hid_t> fields[] = {{"iter", H5T_STD_I32LE},       {"op", H5T_STD_I32LE},
                                                  {"t_start_ns", H5T_STD_I64LE}, {"t_end_ns", H5T_STD_I32LE},
                                                  {"flops", H5T_STD_U64LE},      {"bytes_mem", H5T_STD_U64LE},
                                                  {"bytes_comm", H5T_STD_U64LE}, {"extra", H5T_STD_I32LE}};
  std::size_t offset = 0;
  for (const auto& [name, t] : fields) {
    H5Tinsert(type, name, offset, t);
    offset += H5Tget_size(t);
  }
  const hsize_t dims[1] = {0};
  h5::Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  h5::Handle dset(H5Dcreate2(f, "events", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  h5::Handle expected = trace_schema::event_type();
  ReadBudget budget{.file_bytes = 1u << 20};
  try {
    check_table(dset, expected, "/x/events", budget, false);
    ADD_FAILURE() << "accepted an int32 t_end_ns";
  } catch (const DamagedTrace& e) {
    EXPECT_STREQ(e.what(), "/x/events field 't_end_ns' is an integer of 4 bytes; expected an integer of 8 bytes");
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace flopwall::trace_checks

// ---- the analysis behind the gate (src/analysis/) --------------------------------

namespace flopwall {
namespace {

// Data the reader refuses, handed to the analysis directly: figures may be
// odd, but nothing is indexed out of range, nothing overflows, and the
// iteration count stays within the events there are.
TEST(AnalysisOfOddData, SkipsWhatItCannotPlace) {
  TraceData t;
  t.header.world_size = 2;
  t.header.config_json = R"({"model":5,"hidden":"x","iters":[1]})";
  t.ops = {{"gemm", OpKind::compute, 0, "none"}, {"allreduce", OpKind::comm, 0, "world"}};
  const auto ev = [](std::int32_t iter, std::int32_t op, std::int64_t start, std::int64_t end) {
    return TraceEvent{.iter = iter, .op = op, .t_start_ns = start, .t_end_ns = end, .flops = 1, .bytes_mem = 0,
                      .bytes_comm = 0};
  };
  RankTrace r0{.rank = 0, .info = {}, .events = {ev(0, 0, 0, 10), ev(-1, 0, 0, 10), ev(INT32_MAX, 1, 5, 9),
                                                  ev(INT32_MIN, 0, 0, 1), ev(0, 7, 0, 1), ev(0, -1, 0, 1),
                                                  ev(0, 1, INT64_MIN, INT64_MAX), ev(1, 1, 20, 10)}};
  RankTrace r1{.rank = 7, .info = {}, .events = {ev(0, 1, 3, 12), ev(1, 1, 11, 30)}};
  r1.info.clock_error_ns = INT64_MAX;
  r0.info.clock_error_ns = INT64_MAX;
  t.ranks = {r0, r1};
  const Report report = Report::build(t, "odd.h5", std::nullopt);
  const nlohmann::json json = report.json();
  EXPECT_EQ(json.at("iterations"), 2);  // INT32_MAX is beyond any rank's events
  EXPECT_EQ(json.at("ranks").size(), 2u);
  EXPECT_EQ(json.at("sync").at("ranks").size(), 2u);
  EXPECT_FALSE(report.text().empty());
  EXPECT_FALSE(report.csv().empty());
}

TEST(AnalysisOfOddData, NeverSortsNaN) {
  const std::vector<double> values{std::nan(""), 3.0, std::nan(""), 1.0, 2.0};
  EXPECT_DOUBLE_EQ(stats::percentile(values, 0.5), 2.0);
  EXPECT_TRUE(std::isnan(stats::percentile(std::vector<double>{std::nan("")}, 0.5)));
}

}  // namespace
}  // namespace flopwall
