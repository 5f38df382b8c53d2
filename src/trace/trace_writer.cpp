#include "trace/trace_writer.hpp"

#include <fmt/format.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "platform/mpi_check.hpp"
#include "platform/mpi_environment.hpp"
#include "trace/output_file.hpp"
#include "trace/trace_schema.hpp"

namespace flopwall {
namespace {

using h5::Handle;
using json = nlohmann::json;
namespace fs = std::filesystem;

// Below this much free space, an unexplained write failure is a full disk.
constexpr std::uint64_t k_nearly_full_bytes = 1u << 20;

// What every process must know of every rank to create its group.
struct RankSummary {
  int rank = 0;
  std::uint64_t events = 0, clock_samples = 0, recent_ops = 0;
  std::int64_t local_rank = 0, clock_offset_ns = 0, clock_error_ns = 0;
  std::string hostname, device, cpu_affinity, network;
  std::vector<std::pair<std::string, std::int64_t>> groups;
};

json summary_json(const RankSource& s) {
  return {{"rank", s.rank},
          {"events", s.event_count},
          {"clock_samples", s.info.clock_samples.size()},
          {"recent_ops", s.info.recent_ops.size()},
          {"local_rank", s.info.local_rank},
          {"clock_offset_ns", s.info.clock_offset_ns},
          {"clock_error_ns", s.info.clock_error_ns},
          {"hostname", s.info.hostname},
          {"device", s.info.device},
          {"cpu_affinity", s.info.cpu_affinity},
          {"network", s.info.network},
          {"groups", s.info.groups}};
}

// Every process's ranks, by rank number; they must be 0 .. N−1, each once.
std::vector<RankSummary> gather_summaries(MPI_Comm comm, const std::vector<RankSource>& mine) {
  json list = json::array();
  for (const RankSource& s : mine) list.push_back(summary_json(s));
  std::vector<RankSummary> all;
  for (const std::string& text : allgather_strings(comm, list.dump()))
    for (const json& j : json::parse(text))
      all.push_back({.rank = j.at("rank").get<int>(), .events = j.at("events").get<std::uint64_t>(),
                     .clock_samples = j.at("clock_samples").get<std::uint64_t>(),
                     .recent_ops = j.at("recent_ops").get<std::uint64_t>(),
                     .local_rank = j.at("local_rank").get<std::int64_t>(),
                     .clock_offset_ns = j.at("clock_offset_ns").get<std::int64_t>(),
                     .clock_error_ns = j.at("clock_error_ns").get<std::int64_t>(),
                     .hostname = j.at("hostname").get<std::string>(), .device = j.at("device").get<std::string>(),
                     .cpu_affinity = j.at("cpu_affinity").get<std::string>(),
                     .network = j.at("network").get<std::string>(),
                     .groups = j.at("groups").get<std::vector<std::pair<std::string, std::int64_t>>>()});
  std::sort(all.begin(), all.end(), [](const RankSummary& a, const RankSummary& b) { return a.rank < b.rank; });
  for (std::size_t r = 0; r < all.size(); ++r)
    if (all[r].rank != static_cast<int>(r))
      throw JobFailure(fmt::format("the processes hold ranks that are not 0 .. {}, each once", all.size() - 1));
  return all;
}

Handle create_group(hid_t parent, const std::string& name) {
  return Handle(FLOPWALL_H5_CHECK(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)),
                H5Gclose);
}

void write_key_values(hid_t group, const KeyValues& values) {
  for (const auto& [key, value] : values) h5::write_attribute(group, key.c_str(), value);
}

json header_json(const TraceHeader& h) {
  return {{"tool_version", h.tool_version}, {"created_utc", h.created_utc}, {"command_line", h.command_line},
          {"config_json", h.config_json},   {"world_size", h.world_size},   {"backend", h.backend},
          {"truncated", h.truncated},       {"meta", h.meta},               {"environment", h.environment},
          {"sweep_json", h.sweep_json}};
}

void write_root(hid_t file, const json& h) {
  h5::write_attribute(file, "schema", k_trace_schema);
  h5::write_attribute(file, "schema_version", k_trace_schema_version);
  for (const char* key : {"tool_version", "created_utc", "command_line", "config_json", "backend"})
    h5::write_attribute(file, key, h.at(key).get<std::string>());
  h5::write_attribute(file, "world_size", h.at("world_size").get<std::int64_t>());
  h5::write_attribute(file, "complete", std::int64_t{0});
  h5::write_attribute(file, "truncated", std::int64_t{h.at("truncated").get<bool>() ? 1 : 0});
  if (const std::string sweep = h.at("sweep_json").get<std::string>(); !sweep.empty())
    h5::write_attribute(file, "sweep_json", sweep);
  Handle meta = create_group(file, "meta");
  write_key_values(meta, h.at("meta").get<KeyValues>());
  Handle env = create_group(meta, "env");
  write_key_values(env, h.at("environment").get<KeyValues>());
}

void write_ops(hid_t file, const std::vector<OpInfo>& ops, bool writer) {
  std::vector<trace_schema::OpRow> rows(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    auto& r = rows[i];
    std::memset(&r, 0, sizeof r);
    r.id = static_cast<std::int32_t>(i);
    r.layer = ops[i].layer;
    r.step = ops[i].step;
    ops[i].name.copy(r.name.data(), r.name.size() - 1);
    op_kind_name(ops[i].kind).copy(r.kind.data(), r.kind.size() - 1);
    ops[i].group.copy(r.group.data(), r.group.size() - 1);
    ops[i].collective.copy(r.collective.data(), r.collective.size() - 1);
  }
  Handle type = trace_schema::op_row_type();
  const hsize_t dims[1] = {rows.size()};
  Handle space(FLOPWALL_H5_CHECK(H5Screate_simple(1, dims, nullptr)), H5Sclose);
  Handle dset(FLOPWALL_H5_CHECK(H5Dcreate2(file, "ops", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)),
              H5Dclose);
  // A small contiguous dataset: rank 0 writes it alone (independent I/O).
  if (writer && !rows.empty()) FLOPWALL_H5_CHECK(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()));
}

Handle create_events(hid_t group, hid_t type, std::uint64_t count) {
  const hsize_t dims[1] = {count};
  Handle space(FLOPWALL_H5_CHECK(H5Screate_simple(1, dims, nullptr)), H5Sclose);
  Handle dcpl(FLOPWALL_H5_CHECK(H5Pcreate(H5P_DATASET_CREATE)), H5Pclose);
  const hsize_t chunk[1] = {std::max<hsize_t>(1, std::min<hsize_t>(count, trace_schema::k_event_chunk_rows))};
  FLOPWALL_H5_CHECK(H5Pset_chunk(dcpl, 1, chunk));
  FLOPWALL_H5_CHECK(H5Pset_shuffle(dcpl));
  FLOPWALL_H5_CHECK(H5Pset_deflate(dcpl, trace_schema::k_deflate_level));
  // A checksum per chunk: a flipped byte in the events reads as an error, not as data.
  FLOPWALL_H5_CHECK(H5Pset_fletcher32(dcpl));
  return Handle(FLOPWALL_H5_CHECK(H5Dcreate2(group, "events", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)),
                H5Dclose);
}

// A small per-rank table (clock samples, recent ops): created by every rank,
// written by its own rank alone (unfiltered, so independent I/O is allowed).
template <class Row>
void write_rank_table(hid_t group, const char* name, hid_t type, std::uint64_t count, bool mine,
                      const std::vector<Row>& rows) {
  const hsize_t dims[1] = {count};
  Handle space(FLOPWALL_H5_CHECK(H5Screate_simple(1, dims, nullptr)), H5Sclose);
  Handle dset(FLOPWALL_H5_CHECK(H5Dcreate2(group, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)), H5Dclose);
  if (mine && !rows.empty()) FLOPWALL_H5_CHECK(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()));
}

// Parallel HDF5 writes filtered (compressed) datasets only collectively, so
// every rank joins each rank's write, contributing an empty selection.
void write_events_collectively(hid_t dset, hid_t type, bool mine, std::span<const TraceEvent> events) {
  Handle file_space(FLOPWALL_H5_CHECK(H5Dget_space(dset)), H5Sclose);
  const hsize_t dims[1] = {mine ? events.size() : 0};
  Handle mem_space(FLOPWALL_H5_CHECK(H5Screate_simple(1, dims, nullptr)), H5Sclose);
  if (!mine) {
    FLOPWALL_H5_CHECK(H5Sselect_none(file_space));
    FLOPWALL_H5_CHECK(H5Sselect_none(mem_space));
  }
  Handle dxpl(FLOPWALL_H5_CHECK(H5Pcreate(H5P_DATASET_XFER)), H5Pclose);
  FLOPWALL_H5_CHECK(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
  FLOPWALL_H5_CHECK(H5Dwrite(dset, type, mem_space, file_space, dxpl, mine ? events.data() : nullptr));
}

// What goes under one group of the file: /ops and /ranks of a run, at the
// root of a run trace or under /points/NNNNN of a workload sweep.
struct RunBody {
  std::string group;  // "" for the root; else created, with `attributes`
  json attributes;    // strings and integers, taken from the first process
  const std::vector<OpInfo>* ops = nullptr;
  const std::vector<RankSource>* mine = nullptr;
  std::vector<RankSummary> summaries;
};

void write_body(hid_t file, const RunBody& body, bool first_process) {
  Handle own_group;
  hid_t base = file;
  if (!body.group.empty()) {
    own_group = create_group(file, body.group);
    base = own_group;
    for (const auto& [key, value] : body.attributes.items()) {
      if (value.is_string()) h5::write_attribute(base, key.c_str(), value.get<std::string>());
      else h5::write_attribute(base, key.c_str(), value.get<std::int64_t>());
    }
  }
  const auto& summaries = body.summaries;
  std::vector<const RankSource*> source_of(summaries.size(), nullptr);
  for (const RankSource& s : *body.mine) source_of[static_cast<std::size_t>(s.rank)] = &s;
  Handle sample_type = trace_schema::clock_sample_type(), recent_type = trace_schema::recent_op_type();
  write_ops(base, *body.ops, first_process);
  Handle ranks = create_group(base, "ranks");
  Handle type = trace_schema::event_type();
  std::vector<Handle> datasets;
  for (std::size_t r = 0; r < summaries.size(); ++r) {
    const RankSummary& s = summaries[r];
    const RankSource* own = source_of[r];
    Handle group = create_group(base, trace_schema::rank_group_name(static_cast<int>(r)));
    h5::write_attribute(group, "hostname", s.hostname);
    h5::write_attribute(group, "local_rank", s.local_rank);
    h5::write_attribute(group, "device", s.device);
    h5::write_attribute(group, "cpu_affinity", s.cpu_affinity);
    h5::write_attribute(group, "network", s.network);
    h5::write_attribute(group, "clock_offset_ns", s.clock_offset_ns);
    h5::write_attribute(group, "clock_error_ns", s.clock_error_ns);
    for (const auto& [kind, id] : s.groups) h5::write_attribute(group, ("group_" + kind).c_str(), id);
    datasets.push_back(create_events(group, type, s.events));
    static const std::vector<ClockSample> no_samples;
    static const std::vector<RecentOp> no_recent;
    write_rank_table(group, "clock_sync", sample_type, s.clock_samples, own != nullptr,
                     own ? own->info.clock_samples : no_samples);
    write_rank_table(group, "recent_ops", recent_type, s.recent_ops, own != nullptr,
                     own ? own->info.recent_ops : no_recent);
  }
  for (std::size_t r = 0; r < summaries.size(); ++r) {
    const RankSource* own = source_of[r];
    std::span<const TraceEvent> events;
    if (own) {
      events = own->events ? own->events() : std::span<const TraceEvent>{};
      if (events.size() != own->event_count)
        throw std::runtime_error(fmt::format("rank {} has {} events, not the {} announced", r, events.size(),
                                             own->event_count));
    }
    write_events_collectively(datasets[r], type, own != nullptr, events);
  }
}

void write_all(MPI_Comm comm, const std::string& tmp_path, const json& header, const std::vector<RunBody>& bodies,
               const ExtraTables& extra, bool first_process) {
  Handle fapl(FLOPWALL_H5_CHECK(H5Pcreate(H5P_FILE_ACCESS)), H5Pclose);
  FLOPWALL_H5_CHECK(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
  // The 1.10 format checksums the superblock and every object header, so the
  // reader detects damaged metadata instead of parsing it.
  FLOPWALL_H5_CHECK(H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_LATEST));
  Handle file(FLOPWALL_H5_CHECK(H5Fcreate(tmp_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl)), H5Fclose);
  try {
    {  // every object of the file is closed before the file itself (MPI-IO's close degree is "semi")
      write_root(file, header);
      if (extra) extra(file, first_process);
      Handle points;
      if (!header.at("sweep_json").get<std::string>().empty()) points = create_group(file, "points");
      for (const RunBody& body : bodies) write_body(file, body, first_process);
    }
    FLOPWALL_H5_CHECK(H5Fflush(file, H5F_SCOPE_GLOBAL));
    h5::write_attribute(file, "complete", std::int64_t{1});
    // Closing writes the last metadata: its failure is a failed write too.
    const hid_t id = file.get();
    file.abandon();
    FLOPWALL_H5_CHECK(H5Fclose(id));
  } catch (...) {
    file.abandon();  // see h5::Handle::abandon: the caller ends the job
    throw;
  }
}

// What a failed write tells the user: the system's reason where HDF5 or
// MPI-IO report one, else a look at the file system itself, since MPI-IO
// often reduces ENOSPC to a generic error class.
std::string write_failure_reason(const std::string& path, const std::string& what) {
  for (const auto& [needle, reason] :
       {std::pair{"No space left", "No space left on device"}, std::pair{"MPI_ERR_NO_SPACE", "No space left on device"},
        std::pair{"Disk quota", "Disk quota exceeded"}, std::pair{"MPI_ERR_QUOTA", "Disk quota exceeded"},
        std::pair{"Permission denied", "Permission denied"}, std::pair{"MPI_ERR_ACCESS", "Permission denied"},
        std::pair{"Input/output error", "Input/output error"}, std::pair{"MPI_ERR_IO", "Input/output error"},
        std::pair{"File name too long", "File name too long"}, std::pair{"Read-only file system", "Read-only file system"}})
    if (what.find(needle) != std::string::npos) return reason;
  const fs::path p(path);
  struct statvfs vfs{};
  if (statvfs((p.has_parent_path() ? p.parent_path() : fs::path(".")).c_str(), &vfs) == 0 &&
      static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize < k_nearly_full_bytes)
    return "No space left on device";
  return what;
}

}  // namespace

namespace {

// Collective over `comm`: the file written under a temporary name, then
// published as `destination` (docs/trace-format.md, "Writing protocol").
void write_file(MPI_Comm comm, const TraceDestination& destination, const json& header,
                const std::vector<RunBody>& bodies, const ExtraTables& extra) {
  const std::string& path = destination.path;
  int rank = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  // Rank 0 claims a temporary name no other job can share; all learn it, or why not.
  std::string temp, refused;
  if (rank == 0) {
    try {
      temp = create_exclusive_temp(path);
    } catch (const std::exception& e) {
      refused = e.what();
    }
  }
  refused = broadcast_string(comm, refused);
  if (!refused.empty()) throw JobFailure(fmt::format("cannot write {}: {}", path, refused));
  temp = broadcast_string(comm, temp);

  try {
    write_all(comm, temp, header, bodies, extra, rank == 0);
  } catch (const std::exception& e) {
    // Peers may be blocked inside HDF5's collective calls: the caller aborts
    // the job. Whoever fails first removes the temporary file.
    std::remove(temp.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, write_failure_reason(path, e.what())));
  }
  FLOPWALL_MPI_CHECK(MPI_Barrier(comm));  // every rank has closed the file
  std::string not_published;
  if (rank == 0) {
    try {
      publish_file(temp, path, destination.overwrite);
    } catch (const std::exception& e) {
      std::remove(temp.c_str());
      not_published = e.what();
    }
  }
  not_published = broadcast_string(comm, not_published);
  if (!not_published.empty()) throw JobFailure(fmt::format("cannot write {}: {}", path, not_published));
}

// Every process must write identical metadata: take the first's.
json first_process_json(MPI_Comm comm, const json& mine) {
  int rank = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  return json::parse(broadcast_string(comm, rank == 0 ? mine.dump() : std::string{}));
}

}  // namespace

void write_trace_ranks(MPI_Comm comm, const TraceDestination& destination, const TraceHeader& header,
                       const std::vector<OpInfo>& ops, const std::vector<RankSource>& mine, const ExtraTables& extra) {
  h5::silence_errors();
  std::vector<RunBody> bodies(1);
  bodies[0].ops = &ops;
  bodies[0].mine = &mine;
  bodies[0].summaries = gather_summaries(comm, mine);
  write_file(comm, destination, first_process_json(comm, header_json(header)), bodies, extra);
}

void write_sweep_trace(MPI_Comm comm, const TraceDestination& destination, const TraceHeader& header,
                       const std::vector<SweepPointSource>& points) {
  h5::silence_errors();
  if (header.sweep_json.empty()) throw std::logic_error("a sweep trace needs the header's sweep_json");
  std::vector<RunBody> bodies(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const SweepPointSource& p = points[i];
    json attributes = {{"value", p.value}, {"config_json", p.config_json},
                       {"truncated", std::int64_t{p.truncated ? 1 : 0}}};
    if (!p.moe_json.empty()) attributes["moe_json"] = p.moe_json;
    bodies[i] = {.group = trace_schema::point_group_name(static_cast<int>(i)),
                 .attributes = first_process_json(comm, attributes), .ops = &p.ops, .mine = &p.mine,
                 .summaries = gather_summaries(comm, p.mine)};
  }
  write_file(comm, destination, first_process_json(comm, header_json(header)), bodies, {});
}

void write_trace(MPI_Comm comm, const TraceDestination& destination, const TraceHeader& header,
                 const std::vector<OpInfo>& ops, const RankInfo& mine, std::span<const TraceEvent> events,
                 const ExtraTables& extra) {
  int rank = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  std::vector<RankSource> sources{
      {.rank = rank, .info = mine, .event_count = events.size(), .events = [events] { return events; }}};
  write_trace_ranks(comm, destination, header, ops, sources, extra);
}

}  // namespace flopwall
