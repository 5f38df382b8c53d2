#pragma once
// The HDF5 types of the trace's tables, shared by writer and reader.
#include <array>
#include <cstdint>
#include <string>

#include "trace/h5.hpp"

namespace flopwall::trace_schema {

// One row of /ops. Fixed-length strings keep the table plain for pandas.
struct OpRow {
  std::int32_t id;
  std::array<char, 48> name;
  std::array<char, 8> kind;
  std::int32_t layer;
  std::array<char, 8> group;
  std::int32_t step;  // added after version 1's first files: read as -1 where absent
  std::array<char, 16> collective;  // added with MoE: read as "" where absent
};

h5::Handle event_type();  // memory and file type of /ranks/NNNNN/events
// with_step / with_collective = false: the columns of traces written before
// `step` (serve mode) or `collective` (the MoE all-to-alls) existed.
h5::Handle op_row_type(bool with_step = true, bool with_collective = true);
h5::Handle clock_sample_type();  // /ranks/NNNNN/clock_sync: iter, offset_ns, error_ns
h5::Handle recent_op_type();     // /ranks/NNNNN/recent_ops: op, iter, issued_ns, completed_ns
std::string rank_group_name(int rank);    // "ranks/00003", under the root or a sweep point
std::string point_group_name(int point);  // "points/00002": a workload sweep's point

inline constexpr int k_deflate_level = 4;
inline constexpr std::uint64_t k_event_chunk_rows = 16384;

}  // namespace flopwall::trace_schema
