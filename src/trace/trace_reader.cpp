#include "trace/trace_reader.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstring>

#include "core/error.hpp"
#include "trace/trace_schema.hpp"

namespace flopwall {
namespace {

using h5::Handle;

herr_t collect_attribute_names(hid_t, const char* name, const H5A_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

KeyValues read_key_values(hid_t group) {
  std::vector<std::string> names;
  hsize_t idx = 0;
  FLOPWALL_H5_CHECK(H5Aiterate2(group, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_attribute_names, &names));
  KeyValues out;
  for (const auto& n : names) out.emplace_back(n, h5::read_string_attribute(group, n.c_str()));
  return out;
}

void check_is_trace(const std::string& path, hid_t file) {
  const auto fail = [&](const std::string& why) {
    throw UsageError(fmt::format("'{}' is not a flopwall trace: {}; expected a file written by 'flopwall run'",
                                 path, why));
  };
  if (!h5::has_attribute(file, "schema")) fail("it has no 'schema' attribute");
  const std::string schema = h5::read_string_attribute(file, "schema");
  if (schema != k_trace_schema) fail(fmt::format("its schema is '{}'", schema));
  const std::int64_t version = h5::read_int_attribute(file, "schema_version");
  if (version != k_trace_schema_version)
    throw UsageError(fmt::format("'{}' has trace schema version {}; this flopwall reads version {}", path, version,
                                 k_trace_schema_version));
  if (h5::read_int_attribute(file, "complete") != 1)
    throw UsageError(fmt::format("'{}' is incomplete (its run did not finish writing it); rerun to get a complete trace",
                                 path));
}

TraceHeader read_header(hid_t file) {
  TraceHeader h;
  h.schema_version = h5::read_int_attribute(file, "schema_version");
  h.tool_version = h5::read_string_attribute(file, "tool_version");
  h.created_utc = h5::read_string_attribute(file, "created_utc");
  h.command_line = h5::read_string_attribute(file, "command_line");
  h.config_json = h5::read_string_attribute(file, "config_json");
  h.world_size = static_cast<int>(h5::read_int_attribute(file, "world_size"));
  h.backend = h5::read_string_attribute(file, "backend");
  h.complete = h5::read_int_attribute(file, "complete") == 1;
  h.truncated = h5::read_int_attribute(file, "truncated") == 1;
  Handle meta(FLOPWALL_H5_CHECK(H5Gopen2(file, "meta", H5P_DEFAULT)), H5Gclose);
  h.meta = read_key_values(meta);
  Handle env(FLOPWALL_H5_CHECK(H5Gopen2(meta, "env", H5P_DEFAULT)), H5Gclose);
  h.environment = read_key_values(env);
  return h;
}

template <class Row>
std::vector<Row> read_table(hid_t parent, const char* name, hid_t type) {
  Handle dset(FLOPWALL_H5_CHECK(H5Dopen2(parent, name, H5P_DEFAULT)), H5Dclose);
  Handle space(FLOPWALL_H5_CHECK(H5Dget_space(dset)), H5Sclose);
  const hssize_t n = FLOPWALL_H5_CHECK(H5Sget_simple_extent_npoints(space));
  std::vector<Row> rows(static_cast<std::size_t>(n));
  if (n > 0) FLOPWALL_H5_CHECK(H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()));
  return rows;
}

std::vector<OpInfo> read_ops(hid_t file) {
  Handle type = trace_schema::op_row_type();
  std::vector<OpInfo> ops;
  for (const auto& r : read_table<trace_schema::OpRow>(file, "ops", type))
    ops.push_back({.name = std::string(r.name.data(), strnlen(r.name.data(), r.name.size())),
                   .kind = std::string(r.kind.data(), strnlen(r.kind.data(), r.kind.size())),
                   .layer = r.layer,
                   .group = std::string(r.group.data(), strnlen(r.group.data(), r.group.size()))});
  return ops;
}

RankTrace read_rank(hid_t file, int rank, hid_t event_type) {
  Handle group(FLOPWALL_H5_CHECK(H5Gopen2(file, trace_schema::rank_group_name(rank).c_str(), H5P_DEFAULT)),
               H5Gclose);
  RankTrace t;
  t.rank = rank;
  t.info.hostname = h5::read_string_attribute(group, "hostname");
  t.info.local_rank = static_cast<int>(h5::read_int_attribute(group, "local_rank"));
  t.info.device = h5::read_string_attribute(group, "device");
  t.info.clock_offset_ns = h5::read_int_attribute(group, "clock_offset_ns");
  t.info.clock_error_ns = h5::read_int_attribute(group, "clock_error_ns");
  t.events = read_table<TraceEvent>(group, "events", event_type);
  std::vector<std::string> names;
  hsize_t idx = 0;
  FLOPWALL_H5_CHECK(H5Aiterate2(group, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_attribute_names, &names));
  for (const std::string& n : names)
    if (n.starts_with("group_")) t.info.groups.emplace_back(n.substr(6), h5::read_int_attribute(group, n.c_str()));
  // Traces from before clock resynchronisation have no clock_sync table.
  if (H5Lexists(group, "clock_sync", H5P_DEFAULT) > 0) {
    h5::Handle type = trace_schema::clock_sample_type();
    t.info.clock_samples = read_table<ClockSample>(group, "clock_sync", type);
  }
  if (H5Lexists(group, "recent_ops", H5P_DEFAULT) > 0) {
    h5::Handle type = trace_schema::recent_op_type();
    t.info.recent_ops = read_table<RecentOp>(group, "recent_ops", type);
  }
  return t;
}

}  // namespace

TraceData read_trace(const std::string& path) {
  h5::silence_errors();
  struct stat st{};
  if (stat(path.c_str(), &st) != 0)
    throw UsageError(fmt::format("trace file '{}' does not exist; give the .h5 file 'flopwall run' wrote", path));
  if (!S_ISREG(st.st_mode)) throw UsageError(fmt::format("'{}' is not a regular file; give a trace .h5 file", path));
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw UsageError(fmt::format("'{}' is not an HDF5 file; give the .h5 file 'flopwall run' wrote", path));
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.get() < 0) throw UsageError(fmt::format("'{}' could not be opened as HDF5: {}", path, h5::last_error()));

  TraceData data;
  try {
    check_is_trace(path, file);
    data.header = read_header(file);
    data.ops = read_ops(file);
    Handle type = trace_schema::event_type();
    for (int r = 0; r < data.header.world_size; ++r) data.ranks.push_back(read_rank(file, r, type));
  } catch (const UsageError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw UsageError(fmt::format("'{}' is a damaged flopwall trace: {}", path, e.what()));
  }
  for (const RankTrace& r : data.ranks)
    for (const TraceEvent& e : r.events)
      if (e.op < 0 || static_cast<std::size_t>(e.op) >= data.ops.size() || e.t_end_ns < e.t_start_ns)
        throw UsageError(fmt::format("'{}' is a damaged flopwall trace: rank {} has an event with op {} "
                                     "(the /ops table has {}) or negative duration",
                                     path, r.rank, e.op, data.ops.size()));
  return data;
}

}  // namespace flopwall
