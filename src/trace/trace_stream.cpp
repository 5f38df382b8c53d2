#include "trace/trace_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "core/error.hpp"
#include "trace/trace_schema.hpp"
#include "trace/trace_validation.hpp"

namespace flopwall {
namespace {

using h5::Handle;
using trace_checks::ReadBudget;

// More attributes than this on one object is not a trace's (a rank group
// has a handful; /meta/env a few hundred at most).
constexpr std::size_t k_max_attributes = 1u << 16;

std::string read_string(hid_t obj, const char* name, const ReadBudget& budget) {
  return h5::read_string_attribute(obj, name, budget.file_bytes);
}

KeyValues read_key_values(hid_t group, const ReadBudget& budget) {
  KeyValues out;
  for (const std::string& n : h5::attribute_names(group, k_max_attributes))
    out.emplace_back(n, read_string(group, n.c_str(), budget));
  return out;
}

[[noreturn]] void not_a_trace(const std::string& path, const std::string& why) {
  throw UsageError(
      fmt::format("'{}' is not a flopwall trace: {}; expected a file written by 'flopwall run'", path, why));
}

// The three facts that tell a foreign or unfinished file from a damaged one
// keep their own messages.
void check_is_trace(const std::string& path, hid_t file, const ReadBudget& budget) {
  const h5::AttributeClass schema_class = h5::attribute_class(file, "schema");
  if (schema_class == h5::AttributeClass::missing) not_a_trace(path, "it has no 'schema' attribute");
  if (schema_class != h5::AttributeClass::string) not_a_trace(path, "its 'schema' attribute is not a string");
  const std::string schema = read_string(file, "schema", budget);
  if (schema != k_trace_schema)
    not_a_trace(path, fmt::format("its schema is '{}'", trace_checks::printable(schema, 60)));
  const std::int64_t version = h5::read_int_attribute(file, "schema_version");
  if (version != k_trace_schema_version)
    throw UsageError(fmt::format("'{}' has trace schema version {}; this flopwall reads version {}", path, version,
                                 k_trace_schema_version));
  if (h5::read_int_attribute(file, "complete") != 1)
    throw UsageError(fmt::format("'{}' is incomplete (its run did not finish writing it); rerun to get a complete trace",
                                 path));
}

TraceHeader read_header(hid_t file, const ReadBudget& budget) {
  TraceHeader h;
  h.schema_version = h5::read_int_attribute(file, "schema_version");
  h.tool_version = read_string(file, "tool_version", budget);
  h.created_utc = read_string(file, "created_utc", budget);
  h.command_line = read_string(file, "command_line", budget);
  h.config_json = read_string(file, "config_json", budget);
  if (const auto fault = trace_checks::config_json_fault(h.config_json)) throw DamagedTrace(*fault);
  const std::int64_t world_size = h5::read_int_attribute(file, "world_size");
  if (world_size < 1 || world_size > trace_checks::k_max_world_size)
    throw DamagedTrace(*trace_checks::world_size_fault(world_size, 0));
  h.world_size = static_cast<int>(world_size);
  h.backend = read_string(file, "backend", budget);
  h.complete = h5::read_int_attribute(file, "complete") == 1;
  h.truncated = h5::read_int_attribute(file, "truncated") == 1;
  if (h5::attribute_class(file, "sweep_json") != h5::AttributeClass::missing)
    h.sweep_json = read_string(file, "sweep_json", budget);
  Handle meta = trace_checks::open_group(file, "meta", "/meta");
  h.meta = read_key_values(meta, budget);
  Handle env = trace_checks::open_group(meta, "env", "/meta/env");
  h.environment = read_key_values(env, budget);
  return h;
}

std::string field_text(const char* data, std::size_t size, const char* what, std::size_t row) {
  std::string s(data, strnlen(data, size));
  if (!trace_checks::is_printable_ascii(s))
    throw DamagedTrace(fmt::format("/ops row {} has a {} that is not printable ASCII", row, what));
  return s;
}

// Whether /ops has the column `member`: `step` (serve mode's decode step)
// and `collective` came after the first traces, whose ops then all belong to
// step -1 and name no collective.
bool ops_have(hid_t file, const char* member, const std::string& where) {
  Handle dset = trace_checks::open_dataset(file, "ops", where);
  Handle type(h5::expect(H5Dget_type(dset), "cannot read the type of /ops"), H5Tclose);
  return H5Tget_class(type) == H5T_COMPOUND && H5Tget_member_index(type, member) >= 0;
}

// The op vocabulary under `file` (the root, or a sweep's point at `prefix`).
std::vector<OpInfo> read_ops(hid_t file, ReadBudget& budget, const std::string& prefix) {
  const std::string where = prefix + "/ops";
  const bool with_step = ops_have(file, "step", where), with_collective = ops_have(file, "collective", where);
  Handle type = trace_schema::op_row_type(with_step, with_collective);
  const auto rows = trace_checks::read_table<trace_schema::OpRow>(file, "ops", type, where, budget);
  std::vector<OpInfo> ops;
  ops.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (r.id < 0 || static_cast<std::size_t>(r.id) != i)
      throw DamagedTrace(fmt::format("/ops row {} has id {}; the id of a row is its index", i, r.id));
    const std::string kind = field_text(r.kind.data(), r.kind.size(), "kind", i);
    const std::optional<OpKind> parsed = parse_op_kind(kind);
    if (!parsed)
      throw DamagedTrace(fmt::format("/ops row {} has kind '{}'; valid: compute, comm, memory, idle", i, kind));
    OpInfo op{.name = field_text(r.name.data(), r.name.size(), "name", i),
              .kind = *parsed,
              .layer = r.layer,
              .group = field_text(r.group.data(), r.group.size(), "group", i),
              .step = with_step ? r.step : -1,
              .collective = with_collective ? field_text(r.collective.data(), r.collective.size(), "collective", i)
                                            : std::string()};
    if (op.step < -1)
      throw DamagedTrace(fmt::format("/ops row {} has step {}; valid: -1 (prefill) or a decode step ≥ 0", i, op.step));
    ops.push_back(std::move(op));
  }
  return ops;
}

// Clock errors are added and compared in the analysis: keep them where sums fit.
void check_clock_error(std::int64_t error_ns, const std::string& what) {
  if (error_ns < 0 || error_ns > trace_checks::k_max_abs_stamp_ns)
    throw DamagedTrace(fmt::format("{} has a clock error of {} ns; valid: 0 .. 2^62", what, error_ns));
}

// A rank's group: its attributes and small tables, read and checked; its
// events table opened and its shape and storage checked, not yet read.
RankTrace read_rank_info(hid_t ranks, const std::string& prefix, int rank, hid_t event_type, ReadBudget& budget,
                         Handle& events, std::uint64_t& rows, std::uint64_t& chunk_rows) {
  const std::string name = fmt::format("{:05d}", rank);
  const std::string where = prefix + "/ranks/" + name;
  Handle group = trace_checks::open_group(ranks, name.c_str(), where);
  RankTrace t;
  t.rank = rank;
  t.info.hostname = read_string(group, "hostname", budget);
  const std::int64_t local_rank = h5::read_int_attribute(group, "local_rank");
  if (local_rank < 0 || local_rank >= trace_checks::k_max_world_size)
    throw DamagedTrace(fmt::format("{} has local_rank {}; valid: 0 .. {}", where, local_rank,
                                   trace_checks::k_max_world_size - 1));
  t.info.local_rank = static_cast<int>(local_rank);
  t.info.device = read_string(group, "device", budget);
  // Traces from before per-rank placement have neither.
  if (h5::has_attribute(group, "cpu_affinity")) t.info.cpu_affinity = read_string(group, "cpu_affinity", budget);
  if (h5::has_attribute(group, "network")) t.info.network = read_string(group, "network", budget);
  t.info.clock_offset_ns = h5::read_int_attribute(group, "clock_offset_ns");
  t.info.clock_error_ns = h5::read_int_attribute(group, "clock_error_ns");
  check_clock_error(t.info.clock_error_ns, where);
  for (const std::string& n : h5::attribute_names(group, k_max_attributes))
    if (n.starts_with("group_")) t.info.groups.emplace_back(n.substr(6), h5::read_int_attribute(group, n.c_str()));

  const std::string events_what = where + "/events";
  events = trace_checks::open_dataset(group, "events", events_what);
  rows = trace_checks::check_table(events, event_type, events_what, budget, true);
  chunk_rows = rows;
  {
    Handle dcpl(h5::expect(H5Dget_create_plist(events), "cannot read the layout of " + events_what), H5Pclose);
    hsize_t chunk[1] = {0};
    if (H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 1, chunk) == 1 && chunk[0] > 0) chunk_rows = chunk[0];
  }
  // Traces from before clock resynchronisation have no clock_sync table.
  if (h5::link_type(group, "clock_sync") != h5::LinkType::missing) {
    Handle type = trace_schema::clock_sample_type();
    t.info.clock_samples =
        trace_checks::read_table<ClockSample>(group, "clock_sync", type, where + "/clock_sync", budget);
    for (const ClockSample& s : t.info.clock_samples) check_clock_error(s.error_ns, where + "/clock_sync");
  }
  if (h5::link_type(group, "recent_ops") != h5::LinkType::missing) {
    Handle type = trace_schema::recent_op_type();
    t.info.recent_ops = trace_checks::read_table<RecentOp>(group, "recent_ops", type, where + "/recent_ops", budget);
  }
  return t;
}

}  // namespace

TraceStream::TraceStream(const std::string& path) : m_path(path) {
  h5::silence_errors();
  trace_checks::guard_damaged(path, [&] { open_checked(std::nullopt); });
}

TraceStream::TraceStream(const std::string& path, std::size_t point) : m_path(path) {
  h5::silence_errors();
  trace_checks::guard_damaged(path, [&] { open_checked(point); });
}

void TraceStream::open_checked(std::optional<std::size_t> point) {
  trace_checks::OpenedTrace opened = trace_checks::open_trace_file(m_path);
  m_file = std::move(opened.file);
  m_file_bytes = opened.file_bytes;
  ReadBudget budget{.file_bytes = opened.file_bytes};
  check_is_trace(m_path, m_file, budget);

  m_meta.header = read_header(m_file, budget);
  hid_t body = m_file;
  if (!m_meta.header.sweep_json.empty()) {
    m_sweep = parse_sweep_json(m_meta.header.sweep_json);
    Handle points = trace_checks::open_group(m_file, "points", "/points");
    H5G_info_t info{};
    h5::expect(H5Gget_info(points, &info), "cannot list /points");
    if (info.nlinks < 1 || info.nlinks > m_sweep->values.size())
      throw DamagedTrace(fmt::format("/points holds {} points; its sweep_json lists {} values, and a sweep keeps 1 .. "
                                     "that many", info.nlinks, m_sweep->values.size()));
    m_sweep_points = static_cast<std::size_t>(info.nlinks);
    if (!point) return;  // the header alone: each point is opened on its own
    if (*point >= m_sweep_points)
      throw UsageError(fmt::format("--point {} is not in '{}'; valid: 0 .. {}", *point, m_path, m_sweep_points - 1));
    m_prefix = fmt::format("/{}", trace_schema::point_group_name(static_cast<int>(*point)));
    m_body = trace_checks::open_group(points, fmt::format("{:05d}", *point).c_str(), m_prefix);
    body = m_body;
    // The point's own configuration replaces the root's (the first point's).
    TraceHeader& h = m_meta.header;
    const std::string value = read_string(body, "value", budget);
    if (value != m_sweep->values[*point])
      throw DamagedTrace(fmt::format("{} has value '{}'; sweep_json lists '{}' there", m_prefix,
                                     trace_checks::printable(value, 40), m_sweep->values[*point]));
    h.config_json = read_string(body, "config_json", budget);
    if (const auto fault = trace_checks::config_json_fault(h.config_json)) throw DamagedTrace(m_prefix + ": " + *fault);
    h.truncated = h5::read_int_attribute(body, "truncated") == 1;
    if (h5::attribute_class(body, "moe_json") != h5::AttributeClass::missing)
      h.meta.emplace_back("moe_json", read_string(body, "moe_json", budget));
  } else if (point) {
    throw UsageError(fmt::format("'{}' is not a workload sweep trace; --point needs a file written by 'flopwall sweep'",
                                 m_path));
  }

  m_meta.ops = read_ops(body, budget, m_prefix);
  Handle ranks = trace_checks::open_group(body, "ranks", m_prefix + "/ranks");
  H5G_info_t info{};
  h5::expect(H5Gget_info(ranks, &info), "cannot list " + m_prefix + "/ranks");
  if (const auto fault = trace_checks::world_size_fault(m_meta.header.world_size, info.nlinks))
    throw DamagedTrace(*fault);
  m_event_type = trace_schema::event_type();
  // Grown rank by rank, never reserved from world_size: only ranks that are
  // really in the file take memory.
  for (int r = 0; r < m_meta.header.world_size; ++r) {
    RankTable table;
    m_meta.ranks.push_back(
        read_rank_info(ranks, m_prefix, r, m_event_type, budget, table.dataset, table.rows, table.chunk_rows));
    table.chunks = event_chunk_layout(table.dataset, fmt::format("{}/ranks/{:05d}/events", m_prefix, r));
    if (table.chunks && !m_decoder) m_decoder = std::make_unique<EventChunkDecoder>();
    m_tables.push_back(std::move(table));
  }
}

void TraceStream::read_in_chunk(const RankTable& t, std::uint64_t first, std::uint64_t count, TraceEvent* out,
                                const std::string& what) {
  if (t.chunks) {
    const std::uint64_t chunk = t.chunks->chunk_rows;
    if (m_decoder->read(t.dataset, *t.chunks, m_event_type, first / chunk, first % chunk, count, out, m_file_bytes,
                        what))
      return;
  }
  Handle file_space(h5::expect(H5Dget_space(t.dataset), "cannot read the shape of " + what), H5Sclose);
  const hsize_t start[1] = {first}, n[1] = {count};
  h5::expect(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, n, nullptr), "cannot select in " + what);
  Handle mem_space(h5::expect(H5Screate_simple(1, n, nullptr), "cannot select in " + what), H5Sclose);
  h5::expect(H5Dread(t.dataset, m_event_type, mem_space, file_space, H5P_DEFAULT, out), "cannot read " + what);
}

void TraceStream::read(std::size_t rank, std::uint64_t first, std::uint64_t count, std::vector<TraceEvent>& out) {
  if (count == 0) return;
  trace_checks::guard_damaged(m_path, [&] {
    const RankTable& t = m_tables.at(rank);
    const std::string what = fmt::format("{}/ranks/{:05d}/events", m_prefix, rank);
    if (first > t.rows || count > t.rows - first) throw DamagedTrace(what + ": read past its end");
    const std::size_t at = out.size();
    out.resize(at + static_cast<std::size_t>(count));
    // Chunk by chunk, so each chunk is decoded whole once.
    const std::uint64_t chunk = std::max<std::uint64_t>(1, t.chunk_rows);
    for (std::uint64_t row = first; row < first + count;) {
      const std::uint64_t n = std::min(chunk - row % chunk, first + count - row);
      read_in_chunk(t, row, n, out.data() + at + (row - first), what);
      row += n;
    }
    const std::span<const TraceEvent> block(out.data() + at, static_cast<std::size_t>(count));
    if (const auto fault = trace_checks::events_fault(block, m_meta.ops.size(), first, t.rows))
      throw DamagedTrace(what + ": " + *fault);
  });
}

std::int32_t TraceStream::iter_at(std::size_t rank, std::uint64_t row) {
  m_one.clear();
  read(rank, row, 1, m_one);
  return m_one.front().iter;
}

}  // namespace flopwall
