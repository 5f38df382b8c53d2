// trace/event_chunks.hpp: chunks decoded by flopwall read as HDF5 reads them.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "trace/event_chunks.hpp"
#include "trace/h5.hpp"
#include "trace/trace_schema.hpp"

namespace flopwall {
namespace {

using h5::Handle;

std::vector<TraceEvent> sample_rows(std::size_t n) {
  std::vector<TraceEvent> rows(n);
  for (std::size_t i = 0; i < n; ++i)
    rows[i] = {.iter = static_cast<std::int32_t>(i / 3),
               .op = static_cast<std::int32_t>(i % 3),
               .t_start_ns = static_cast<std::int64_t>(1000 * i),
               .t_end_ns = static_cast<std::int64_t>(1000 * i + 700 + i % 17),
               .flops = 123456789ull * i,
               .bytes_mem = 4096ull + i,
               .bytes_comm = (i % 3 == 2) ? 65536ull : 0ull};
  return rows;
}

// The same fields stored in another order (so H5Tconvert must match names).
Handle reordered_type() {
  Handle t(H5Tcreate(H5T_COMPOUND, sizeof(TraceEvent)), H5Tclose);
  std::size_t at = 0;
  for (auto [name, type] : {std::pair{"bytes_comm", H5T_STD_U64LE}, {"flops", H5T_STD_U64LE},
                            {"t_end_ns", H5T_STD_I64LE}, {"iter", H5T_STD_I32LE}, {"op", H5T_STD_I32LE},
                            {"t_start_ns", H5T_STD_I64LE}, {"bytes_mem", H5T_STD_U64LE}}) {
    H5Tinsert(t, name, at, type);
    at += H5Tget_size(type);
  }
  return t;
}

struct Table {
  Handle file, dataset;
};

Table write_table(const std::string& path, hid_t file_type, bool shuffle, bool checksum,
                  const std::vector<TraceEvent>& rows, hsize_t chunk) {
  Handle mem = trace_schema::event_type();
  Table t;
  t.file = Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  const hsize_t dims[1] = {rows.size()};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl, 1, &chunk);
  if (shuffle) H5Pset_shuffle(dcpl);
  H5Pset_deflate(dcpl, 6);
  if (checksum) H5Pset_fletcher32(dcpl);
  t.dataset = Handle(H5Dcreate2(t.file, "events", file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
  EXPECT_GE(H5Dwrite(t.dataset, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), 0);
  return t;
}

bool same(const TraceEvent& a, const TraceEvent& b) {
  return a.iter == b.iter && a.op == b.op && a.t_start_ns == b.t_start_ns && a.t_end_ns == b.t_end_ns &&
         a.flops == b.flops && a.bytes_mem == b.bytes_mem && a.bytes_comm == b.bytes_comm;
}

TEST(EventChunks, Fletcher32FoldsOddBytesAndAcceptsSwappedHalves) {
  const std::vector<std::uint8_t> even{0x01, 0x02, 0x03, 0x04};
  // Words 0x0102, 0x0304: sum1 = 0x0406, sum2 = 0x0102 + 0x0406.
  EXPECT_EQ(hdf5_fletcher32(even), (0x0508u << 16) | 0x0406u);
  const std::vector<std::uint8_t> odd{0x01, 0x02, 0x03};
  // The odd byte is a high byte: words 0x0102, 0x0300.
  EXPECT_EQ(hdf5_fletcher32(odd), (0x0504u << 16) | 0x0402u);
  EXPECT_TRUE(fletcher32_matches(0x11223344u, 0x11223344u));
  EXPECT_TRUE(fletcher32_matches(0x11223344u, 0x22114433u));
  EXPECT_FALSE(fletcher32_matches(0x11223344u, 0x44332211u));
}

TEST(EventChunks, DecodedChunksMatchHdf5sReadInAnyFieldOrder) {
  if (!event_chunks_decodable()) GTEST_SKIP() << "built without libdeflate";
  h5::silence_errors();
  const std::string path = ::testing::TempDir() + "event_chunks.h5";
  const auto rows = sample_rows(50);  // chunks of 16: the last holds 2 rows
  Handle mem = trace_schema::event_type();
  for (bool reorder : {false, true}) {
    Handle file_type = reorder ? reordered_type() : trace_schema::event_type();
    for (bool checksum : {true, false}) {
      Table t = write_table(path, file_type, true, checksum, rows, 16);
      auto layout = event_chunk_layout(t.dataset, "/events");
      ASSERT_TRUE(layout.has_value());
      EXPECT_EQ(layout->checksummed, checksum);
      EventChunkDecoder decoder;
      for (std::uint64_t first = 0; first < rows.size(); first += 5) {
        const std::uint64_t lo = first % 16, count = std::min<std::uint64_t>(16 - lo, rows.size() - first);
        std::vector<TraceEvent> out(count);
        ASSERT_TRUE(decoder.read(t.dataset, *layout, mem, first / 16, lo, count, out.data(), 1u << 30, "/events"));
        for (std::uint64_t i = 0; i < count; ++i) EXPECT_TRUE(same(out[i], rows[first + i])) << "row " << first + i;
      }
    }
  }
  std::remove(path.c_str());
}

TEST(EventChunks, OtherPipelinesAreLeftToHdf5) {
  h5::silence_errors();
  const std::string path = ::testing::TempDir() + "event_chunks_other.h5";
  Handle type = trace_schema::event_type();
  Table t = write_table(path, type, false, true, sample_rows(20), 8);  // deflate, fletcher32: no shuffle
  EXPECT_FALSE(event_chunk_layout(t.dataset, "/events").has_value());
  std::remove(path.c_str());
}

}  // namespace
}  // namespace flopwall
