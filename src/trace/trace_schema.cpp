#include "trace/trace_schema.hpp"

#include <fmt/format.h>

#include <cstddef>

#include "trace/trace_data.hpp"
#include "trace/trace_event.hpp"

namespace flopwall::trace_schema {

h5::Handle event_type() {
  h5::Handle t(FLOPWALL_H5_CHECK(H5Tcreate(H5T_COMPOUND, sizeof(TraceEvent))), H5Tclose);
  FLOPWALL_H5_CHECK(H5Tinsert(t, "iter", offsetof(TraceEvent, iter), H5T_NATIVE_INT32));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "op", offsetof(TraceEvent, op), H5T_NATIVE_INT32));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "t_start_ns", offsetof(TraceEvent, t_start_ns), H5T_NATIVE_INT64));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "t_end_ns", offsetof(TraceEvent, t_end_ns), H5T_NATIVE_INT64));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "flops", offsetof(TraceEvent, flops), H5T_NATIVE_UINT64));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "bytes_mem", offsetof(TraceEvent, bytes_mem), H5T_NATIVE_UINT64));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "bytes_comm", offsetof(TraceEvent, bytes_comm), H5T_NATIVE_UINT64));
  return t;
}

h5::Handle op_row_type(bool with_step, bool with_collective) {
  h5::Handle t(FLOPWALL_H5_CHECK(H5Tcreate(H5T_COMPOUND, sizeof(OpRow))), H5Tclose);
  h5::Handle name = h5::fixed_string_type(sizeof(OpRow::name));
  h5::Handle kind = h5::fixed_string_type(sizeof(OpRow::kind));
  h5::Handle group = h5::fixed_string_type(sizeof(OpRow::group));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "id", offsetof(OpRow, id), H5T_NATIVE_INT32));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "name", offsetof(OpRow, name), name));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "kind", offsetof(OpRow, kind), kind));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "layer", offsetof(OpRow, layer), H5T_NATIVE_INT32));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "group", offsetof(OpRow, group), group));
  if (with_step) FLOPWALL_H5_CHECK(H5Tinsert(t, "step", offsetof(OpRow, step), H5T_NATIVE_INT32));
  if (with_collective) {
    h5::Handle collective = h5::fixed_string_type(sizeof(OpRow::collective));
    FLOPWALL_H5_CHECK(H5Tinsert(t, "collective", offsetof(OpRow, collective), collective));
  }
  return t;
}

h5::Handle clock_sample_type() {
  h5::Handle t(FLOPWALL_H5_CHECK(H5Tcreate(H5T_COMPOUND, sizeof(ClockSample))), H5Tclose);
  FLOPWALL_H5_CHECK(H5Tinsert(t, "iter", offsetof(ClockSample, iter), H5T_NATIVE_INT32));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "offset_ns", offsetof(ClockSample, offset_ns), H5T_NATIVE_INT64));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "error_ns", offsetof(ClockSample, error_ns), H5T_NATIVE_INT64));
  return t;
}

h5::Handle recent_op_type() {
  h5::Handle t(FLOPWALL_H5_CHECK(H5Tcreate(H5T_COMPOUND, sizeof(RecentOp))), H5Tclose);
  FLOPWALL_H5_CHECK(H5Tinsert(t, "op", offsetof(RecentOp, op), H5T_NATIVE_INT32));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "iter", offsetof(RecentOp, iter), H5T_NATIVE_INT32));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "issued_ns", offsetof(RecentOp, issued_ns), H5T_NATIVE_INT64));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "completed_ns", offsetof(RecentOp, completed_ns), H5T_NATIVE_INT64));
  return t;
}

std::string rank_group_name(int rank) { return fmt::format("ranks/{:05d}", rank); }
std::string point_group_name(int point) { return fmt::format("points/{:05d}", point); }

}  // namespace flopwall::trace_schema
