#include "trace/trace_validation.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace flopwall::trace_checks {
namespace {

constexpr std::array<unsigned char, 8> k_signature{0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

// rows × bytes, or nullopt when the product does not fit 64 bits.
std::optional<std::uint64_t> times(std::uint64_t rows, std::uint64_t bytes) {
  if (bytes != 0 && rows > UINT64_MAX / bytes) return std::nullopt;
  return rows * bytes;
}

// The JSON type each known config_json key must have when present. Run and
// sweep traces share names only where the types agree (docs/trace-format.md).
enum class JsonKind { string, integer, number, boolean, string_array };

struct KeyKind {
  const char* key;
  JsonKind kind;
};

constexpr std::array k_config_keys{
    KeyKind{"backend", JsonKind::string},        KeyKind{"model", JsonKind::string},
    KeyKind{"dtype", JsonKind::string},          KeyKind{"out", JsonKind::string},
    KeyKind{"config_file", JsonKind::string},    KeyKind{"mode", JsonKind::string},
    KeyKind{"op", JsonKind::string},             KeyKind{"datatype", JsonKind::string},
    KeyKind{"inplace", JsonKind::string},        KeyKind{"format", JsonKind::string},
    KeyKind{"hidden", JsonKind::integer},        KeyKind{"heads", JsonKind::integer},
    KeyKind{"ffn", JsonKind::integer},           KeyKind{"layers", JsonKind::integer},
    KeyKind{"seq", JsonKind::integer},           KeyKind{"batch", JsonKind::integer},
    KeyKind{"tp", JsonKind::integer},            KeyKind{"dp", JsonKind::integer},
    KeyKind{"world_size", JsonKind::integer},    KeyKind{"iters", JsonKind::integer},
    KeyKind{"warmup", JsonKind::integer},        KeyKind{"threads", JsonKind::integer},
    KeyKind{"resync_every", JsonKind::integer},  KeyKind{"inject_delay_rank", JsonKind::integer},
    KeyKind{"inject_delay_every", JsonKind::integer}, KeyKind{"minbytes", JsonKind::integer},
    KeyKind{"maxbytes", JsonKind::integer},      KeyKind{"stepbytes", JsonKind::integer},
    KeyKind{"warmup_iters", JsonKind::integer},  KeyKind{"root", JsonKind::integer},
    KeyKind{"average", JsonKind::integer},       KeyKind{"timeout_s", JsonKind::number},
    KeyKind{"inject_delay_us", JsonKind::number}, KeyKind{"inject_jitter_us", JsonKind::number},
    KeyKind{"stepfactor", JsonKind::number},     KeyKind{"check", JsonKind::boolean},
    KeyKind{"collectives", JsonKind::string_array}, KeyKind{"tiers", JsonKind::string_array}};

bool has_kind(const nlohmann::json& v, JsonKind kind) {
  switch (kind) {
    case JsonKind::string: return v.is_string();
    case JsonKind::integer: return v.is_number_integer();
    case JsonKind::number: return v.is_number();
    case JsonKind::boolean: return v.is_boolean();
    case JsonKind::string_array:
      if (!v.is_array()) return false;
      for (const auto& e : v)
        if (!e.is_string()) return false;
      return true;
  }
  return false;
}

const char* kind_name(JsonKind kind) {
  switch (kind) {
    case JsonKind::string: return "a string";
    case JsonKind::integer: return "an integer";
    case JsonKind::number: return "a number";
    case JsonKind::boolean: return "a boolean";
    case JsonKind::string_array: return "an array of strings";
  }
  return "?";
}

// Closes a POSIX file descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

// ---- pure checks ------------------------------------------------------------

std::optional<int> superblock_version(std::span<const unsigned char> bytes) {
  if (bytes.size() < k_signature.size() || !std::equal(k_signature.begin(), k_signature.end(), bytes.begin()))
    return std::nullopt;
  return bytes.size() > k_signature.size() ? static_cast<int>(bytes[k_signature.size()]) : -1;
}

std::optional<std::string> superblock_fault(std::uint64_t offset, int version) {
  if (offset != 0)
    return fmt::format("its HDF5 superblock is at offset {}, after a user block; traces from this flopwall start "
                       "with it", offset);
  if (version < 0) return "the file ends inside its HDF5 superblock";
  // Versions 0 and 1 checksum nothing: a flipped byte would be parsed as metadata.
  if (version < 2)
    return fmt::format("written without metadata checksums (HDF5 superblock version {}), so it is not a flopwall "
                       "trace this version can check; traces from this flopwall have version {} ('h5repack -L -f "
                       "FLET OLD.h5 NEW.h5' converts an intact older trace)",
                       version, k_written_superblock_version);
  if (version > k_written_superblock_version)
    return fmt::format("HDF5 superblock version {} is unknown; traces from this flopwall have version {}", version,
                       k_written_superblock_version);
  return std::nullopt;
}

int json_nesting_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // the escaped character cannot end the string
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (c == ']' || c == '}') {
      depth = std::max(0, depth - 1);
    }
  }
  return deepest;
}

std::optional<std::string> config_json_fault(std::string_view text) {
  // nlohmann's parser is iterative, but destroying and printing a value
  // recurse once per level: the depth is bounded before anything is parsed.
  if (json_nesting_depth(text, k_max_json_depth) > k_max_json_depth)
    return fmt::format("config_json nests arrays or objects more than {} levels deep", k_max_json_depth);
  // A configuration is a few hundred bytes; parsing costs several times its size.
  if (text.size() > k_max_config_json_bytes)
    return fmt::format("config_json is {} bytes; a configuration is at most {}", text.size(), k_max_config_json_bytes);
  const nlohmann::json config = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (config.is_discarded()) return std::string("config_json is not valid JSON");
  if (!config.is_object()) return fmt::format("config_json is a JSON {}; expected an object", config.type_name());
  for (const KeyKind& k : k_config_keys) {
    const auto it = config.find(k.key);
    if (it != config.end() && !has_kind(*it, k.kind))
      return fmt::format("config_json key '{}' is {} ({}); expected {}", k.key,
                         it->is_array() ? "an array" : it->type_name(), printable(it->dump(-1, ' ', true), 40),
                         kind_name(k.kind));
  }
  return std::nullopt;
}

std::optional<std::string> events_fault(std::span<const TraceEvent> events, std::size_t op_count,
                                        std::uint64_t first_index, std::uint64_t table_rows) {
  const std::uint64_t n = table_rows > 0 ? table_rows : events.size();
  for (std::uint64_t k = 0; k < events.size(); ++k) {
    const TraceEvent& e = events[k];
    const std::uint64_t i = first_index + k;
    if (e.op < 0 || static_cast<std::uint64_t>(e.op) >= op_count)
      return fmt::format("event {} has op {}; /ops has {} rows, so valid ops are 0 .. {}", i, e.op, op_count,
                         static_cast<std::int64_t>(op_count) - 1);
    // Iterations are numbered from 0 without gaps and each has an event.
    if (e.iter < 0 || static_cast<std::uint64_t>(e.iter) >= n)
      return fmt::format("event {} has iter {}; with {} events the iterations lie in 0 .. {}", i, e.iter, n, n - 1);
    for (const std::int64_t t : {e.t_start_ns, e.t_end_ns})
      if (t < -k_max_abs_stamp_ns || t > k_max_abs_stamp_ns)
        return fmt::format("event {} has a stamp of {} ns, beyond the +-2^62 ns a run can span", i, t);
    if (e.t_end_ns < e.t_start_ns)
      return fmt::format("event {} ends (t_end_ns {}) before it starts (t_start_ns {})", i, e.t_end_ns, e.t_start_ns);
  }
  return std::nullopt;
}

std::optional<std::string> extent_fault(const TableExtent& t, std::uint64_t file_bytes) {
  const auto stored = times(t.rows, t.file_row_bytes);
  const auto decoded = times(t.rows, std::max(t.file_row_bytes, t.mem_row_bytes));
  if (!stored || !decoded) return fmt::format("declares {} rows of {} bytes, more than any file holds", t.rows,
                                              t.file_row_bytes);
  if (t.storage_bytes > file_bytes)
    return fmt::format("occupies {} bytes in a file of {} bytes", t.storage_bytes, file_bytes);
  if (!t.chunked) {
    if (*stored > file_bytes)
      return fmt::format("declares {} rows ({} bytes) in a file of {} bytes", t.rows, *stored, file_bytes);
    // A contiguous table never written reads as fill values, not as data.
    if (t.storage_bytes < *stored)
      return fmt::format("declares {} rows ({} bytes) but stores {} bytes", t.rows, *stored, t.storage_bytes);
    return std::nullopt;
  }
  if (t.chunk_rows == 0) return std::string("has chunks of 0 rows");
  const auto chunk_bytes = times(t.chunk_rows, std::max(t.file_row_bytes, t.mem_row_bytes));
  if (t.chunk_rows > std::max<std::uint64_t>(t.rows, 1) || !chunk_bytes || *chunk_bytes > k_max_chunk_bytes)
    return fmt::format("has chunks of {} rows for {} rows", t.chunk_rows, t.rows);
  const std::uint64_t expected = t.rows / t.chunk_rows + (t.rows % t.chunk_rows != 0 ? 1 : 0);
  if (t.chunks_stored != expected)
    return fmt::format("declares {} rows in {} chunks but stores {} chunks", t.rows, expected, t.chunks_stored);
  const std::uint64_t ratio = t.compressed ? k_max_inflate_ratio : 1;
  const auto most = times(t.storage_bytes, ratio);
  if (most && *stored > *most)
    return fmt::format("declares {} rows ({} bytes) but stores only {} bytes{}", t.rows, *stored, t.storage_bytes,
                       t.compressed ? ", beyond what compression can give" : "");
  return std::nullopt;
}

std::optional<std::string> world_size_fault(std::int64_t world_size, std::uint64_t rank_groups) {
  if (world_size < 1 || world_size > k_max_world_size)
    return fmt::format("world_size {} is not valid; valid: 1 .. {}", world_size, k_max_world_size);
  if (static_cast<std::uint64_t>(world_size) != rank_groups)
    return fmt::format("world_size is {} but /ranks holds {} groups", world_size, rank_groups);
  return std::nullopt;
}

bool is_printable_ascii(std::string_view text) {
  for (const char c : text)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

std::string printable(std::string_view text, std::size_t max_chars) {
  std::string out;
  for (const char c : text) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    out.push_back(c >= 0x20 && c <= 0x7e ? c : '?');
  }
  return out;
}

// ---- HDF5-level checks --------------------------------------------------------

void throw_damaged(const std::string& path, std::string_view what) {
  throw UsageError(fmt::format("damaged trace {}: {}", path, printable(what, 400)));
}

OpenedTrace open_trace_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw UsageError(fmt::format("trace file '{}' does not exist; give the .h5 file 'flopwall run' wrote", path));
  if (!S_ISREG(st.st_mode)) throw UsageError(fmt::format("'{}' is not a regular file; give a trace .h5 file", path));
  const auto file_bytes = static_cast<std::uint64_t>(st.st_size);

  // The superblock is read here, before libhdf5 parses anything: only a
  // checksummed one (version ≥ 2) lets HDF5 detect damaged metadata.
  const Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) throw UsageError(fmt::format("'{}' cannot be read: {}", path, std::strerror(errno)));
  std::optional<int> version;
  std::uint64_t offset = 0;
  for (std::uint64_t at = 0; at < file_bytes; at = at == 0 ? 512 : at * 2) {
    std::array<unsigned char, 9> bytes{};
    const ssize_t got = ::pread(fd.fd, bytes.data(), bytes.size(), static_cast<off_t>(at));
    if (got < 0) throw UsageError(fmt::format("'{}' cannot be read: {}", path, std::strerror(errno)));
    version = superblock_version(std::span(bytes.data(), static_cast<std::size_t>(got)));
    if (version) {
      offset = at;
      break;
    }
  }
  if (!version)
    throw UsageError(fmt::format("'{}' is not an HDF5 file; give the .h5 file 'flopwall run' wrote", path));
  if (const auto fault = superblock_fault(offset, *version)) throw DamagedTrace(*fault);

  h5::Handle fapl(h5::expect(H5Pcreate(H5P_FILE_ACCESS), "cannot set up reading"), H5Pclose);
  // Closing the file closes whatever is still open in it: no later read of a
  // file at the same path can meet this one's cached metadata.
  h5::expect(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), "cannot set up reading");
  // No chunk cache: the readers read whole chunks into memory of their own
  // (trace_stream.hpp), so a cache would only hold a second copy of each.
  h5::expect(H5Pset_cache(fapl, 0, 0, 0, 0.75), "cannot set up reading");
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl), H5Fclose);
  if (file.get() < 0) throw DamagedTrace("HDF5 cannot open it: " + h5::innermost_error());
  return {.file = std::move(file), .file_bytes = file_bytes};
}

namespace {

h5::Handle open_linked(hid_t parent, const char* name, const std::string& what, bool group) {
  switch (h5::link_type(parent, name)) {
    case h5::LinkType::missing: throw DamagedTrace(what + " is missing");
    case h5::LinkType::other: throw DamagedTrace(what + " is a soft or external link; traces link objects directly");
    case h5::LinkType::hard: break;
  }
  H5O_info_t info{};
  h5::expect(H5Oget_info_by_name(parent, name, &info, H5P_DEFAULT), "cannot inspect " + what);
  const H5O_type_t wanted = group ? H5O_TYPE_GROUP : H5O_TYPE_DATASET;
  if (info.type != wanted) throw DamagedTrace(what + (group ? " is not a group" : " is not a dataset"));
  if (group) return h5::Handle(h5::expect(H5Gopen2(parent, name, H5P_DEFAULT), "cannot open " + what), H5Gclose);
  return h5::Handle(h5::expect(H5Dopen2(parent, name, H5P_DEFAULT), "cannot open " + what), H5Dclose);
}

std::string member_name(hid_t type, unsigned i) {
  char* raw = H5Tget_member_name(type, i);
  if (!raw) throw DamagedTrace("a field name cannot be read");
  std::string name(raw);
  H5free_memory(raw);
  return name;
}

// The file's compound type against the expected one, field by field by name.
void check_fields(hid_t file_type, hid_t expected, const std::string& what) {
  const H5T_class_t cls = H5Tget_class(file_type);
  if (cls != H5T_COMPOUND)
    throw DamagedTrace(fmt::format("{} is {}; expected a table of named fields", what, h5::type_class_name(cls)));
  const int n_file = h5::expect(H5Tget_nmembers(file_type), "cannot read the fields of " + what);
  const int n_expected = h5::expect(H5Tget_nmembers(expected), "cannot read the expected fields");
  const std::size_t file_row = H5Tget_size(file_type);
  std::size_t field_bytes = 0;
  for (int i = 0; i < n_expected; ++i) {
    const std::string name = member_name(expected, static_cast<unsigned>(i));
    const int idx = H5Tget_member_index(file_type, name.c_str());
    if (idx < 0) throw DamagedTrace(fmt::format("{} has no field '{}'", what, name));
    h5::Handle want(h5::expect(H5Tget_member_type(expected, static_cast<unsigned>(i)), "cannot read a field"),
                    H5Tclose);
    h5::Handle got(h5::expect(H5Tget_member_type(file_type, static_cast<unsigned>(idx)), "cannot read field " + name),
                   H5Tclose);
    const H5T_class_t want_cls = H5Tget_class(want), got_cls = H5Tget_class(got);
    const std::size_t want_size = H5Tget_size(want), got_size = H5Tget_size(got);
    const bool sign_differs =
        want_cls == H5T_INTEGER && got_cls == H5T_INTEGER && H5Tget_sign(want) != H5Tget_sign(got);
    const bool variable = got_cls == H5T_STRING && H5Tis_variable_str(got) != 0;
    if (got_cls != want_cls || got_size != want_size || sign_differs || variable)
      throw DamagedTrace(fmt::format("{} field '{}' is {} of {} bytes{}; expected {} of {} bytes", what, name,
                                     h5::type_class_name(got_cls), got_size,
                                     sign_differs ? " of the other signedness" : variable ? " (variable length)" : "",
                                     h5::type_class_name(want_cls), want_size));
    // A field reaching past its row would make HDF5's conversion read beyond it.
    if (H5Tget_member_offset(file_type, static_cast<unsigned>(idx)) + got_size > file_row)
      throw DamagedTrace(fmt::format("{} field '{}' lies outside its {}-byte row", what, name, file_row));
    field_bytes += got_size;
  }
  // Fields that overlap would let a small stored row decode into a large one.
  if (field_bytes > file_row)
    throw DamagedTrace(fmt::format("{} has {} bytes of fields in a {}-byte row: they overlap", what, field_bytes,
                                   file_row));
  if (n_file != n_expected)
    for (int i = 0; i < n_file; ++i) {
      const std::string name = member_name(file_type, static_cast<unsigned>(i));
      if (H5Tget_member_index(expected, name.c_str()) < 0)
        throw DamagedTrace(fmt::format("{} has a field '{}' that the trace schema does not define", what,
                                       printable(name, 60)));
    }
}

}  // namespace

h5::Handle open_group(hid_t parent, const char* name, const std::string& what) {
  return open_linked(parent, name, what, true);
}

h5::Handle open_dataset(hid_t parent, const char* name, const std::string& what) {
  return open_linked(parent, name, what, false);
}

std::uint64_t check_table(hid_t dset, hid_t expected, const std::string& what, ReadBudget& budget,
                          bool require_checksum) {
  h5::Handle space(h5::expect(H5Dget_space(dset), "cannot read the shape of " + what), H5Sclose);
  if (H5Sget_simple_extent_type(space) != H5S_SIMPLE || H5Sget_simple_extent_ndims(space) != 1)
    throw DamagedTrace(what + " is not a one-dimensional table");
  hsize_t dims[1] = {0};
  h5::expect(H5Sget_simple_extent_dims(space, dims, nullptr), "cannot read the shape of " + what);

  h5::Handle file_type(h5::expect(H5Dget_type(dset), "cannot read the type of " + what), H5Tclose);
  check_fields(file_type, expected, what);

  h5::Handle dcpl(h5::expect(H5Dget_create_plist(dset), "cannot read the layout of " + what), H5Pclose);
  // External storage would read other files than the trace.
  if (h5::expect(H5Pget_external_count(dcpl), "cannot read the layout of " + what) > 0)
    throw DamagedTrace(what + " keeps its data in external files");
  TableExtent extent{.rows = dims[0], .file_row_bytes = H5Tget_size(file_type), .mem_row_bytes = H5Tget_size(expected)};
  const H5D_layout_t layout = H5Pget_layout(dcpl);
  if (layout == H5D_CHUNKED) {
    hsize_t chunk[1] = {0};
    if (H5Pget_chunk(dcpl, 1, chunk) != 1) throw DamagedTrace(what + " has chunks of another rank than its own");
    extent.chunked = true;
    extent.chunk_rows = chunk[0];
  } else if (layout != H5D_CONTIGUOUS && layout != H5D_COMPACT) {
    throw DamagedTrace(what + " has a virtual or unknown storage layout");
  }
  bool checksummed = false;
  for (const h5::Filter& filter : h5::filter_pipeline(dcpl, what)) {
    const H5Z_filter_t id = filter.id;
    if (id == H5Z_FILTER_DEFLATE) extent.compressed = true;
    else if (id == H5Z_FILTER_FLETCHER32) checksummed = true;
    else if (id != H5Z_FILTER_SHUFFLE)
      throw DamagedTrace(fmt::format("{} uses HDF5 filter {}; traces use shuffle, deflate and fletcher32 only", what,
                                     static_cast<int>(id)));
  }
  if (require_checksum && !checksummed)
    throw DamagedTrace(what + " has no fletcher32 checksum; traces from this flopwall checksum every events chunk "
                              "('h5repack -L -f FLET OLD.h5 NEW.h5' adds it to an intact older trace)");
  extent.storage_bytes = H5Dget_storage_size(dset);
  if (extent.chunked) {
    hsize_t stored = 0;
    h5::expect(H5Dget_num_chunks(dset, space, &stored), "cannot count the chunks of " + what);
    extent.chunks_stored = stored;
  }
  if (const auto fault = extent_fault(extent, budget.file_bytes)) throw DamagedTrace(what + " " + *fault);
  budget.storage_used += extent.storage_bytes;
  if (budget.storage_used > budget.file_bytes)
    throw DamagedTrace(fmt::format("its tables up to {} occupy {} bytes, more than the file's {}", what,
                                   budget.storage_used, budget.file_bytes));
  return extent.rows;
}

void read_rows(hid_t dset, hid_t mem_type, void* out, const std::string& what) {
  h5::expect(H5Dread(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), "cannot read " + what);
}

}  // namespace flopwall::trace_checks
