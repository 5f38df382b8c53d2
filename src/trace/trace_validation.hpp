#pragma once
// The gate between a trace file and the analysis. A trace may come from
// anywhere (a damaged disk, a truncated copy, someone's experiment), so
// every structural fact the analysis relies on is checked here before it is
// used, and every size is checked before anything is allocated for it.
// A violation is a DamagedTrace; the readers turn it into the one line
// "damaged trace PATH: what" (exit code 2).
#include <hdf5.h>

#include <cstdint>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "trace/h5.hpp"
#include "trace/trace_event.hpp"

namespace flopwall {

// A structural fault of a trace file, described without its path.
class DamagedTrace : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace trace_checks {

inline constexpr std::int64_t k_max_world_size = std::int64_t{1} << 24;
inline constexpr int k_max_json_depth = 64;
inline constexpr std::size_t k_max_config_json_bytes = std::size_t{1} << 20;
// Deflate never expands more than about 1032:1; shuffle and fletcher32 keep
// the size. A chunked table that claims more rows than its stored bytes can
// hold is damaged, whatever its header says.
inline constexpr std::uint64_t k_max_inflate_ratio = 1032;
// Stamps are ns since the run's origin; 2^62 ns is 146 years. Within this
// bound every difference of two stamps fits an int64.
inline constexpr std::int64_t k_max_abs_stamp_ns = std::int64_t{1} << 62;
// The superblock version this flopwall writes (HDF5 1.10 format, checksummed).
inline constexpr int k_written_superblock_version = 3;

// ---- pure checks (no HDF5), unit-tested on their own ----------------------

// The superblock version in `bytes`, read at a place the HDF5 signature may
// be (offset 0, 512, 1024, 2048, …): nullopt without the signature there,
// -1 when the bytes end before the version byte.
std::optional<int> superblock_version(std::span<const unsigned char> bytes);
// Why a superblock found at `offset` cannot be trusted (no checksums, after
// a user block, unknown version), or nullopt for a checksummed one at 0.
std::optional<std::string> superblock_fault(std::uint64_t offset, int version);

// The deepest nesting of arrays and objects in a JSON text, scanned without
// recursion (strings and escapes skipped), stopping once past `limit`.
int json_nesting_depth(std::string_view text, int limit);
// What is wrong with a config_json text: nesting deeper than
// k_max_json_depth, more than k_max_config_json_bytes, not a JSON object, or
// a known key (docs/trace-format.md) of the wrong type.
std::optional<std::string> config_json_fault(std::string_view text);

// The first fault among one rank's events: an op outside /ops, an iteration
// outside 0 .. events−1 (iterations are numbered from 0 without gaps, so a
// rank has at least as many events as iterations), a stamp out of range, or
// t_end_ns < t_start_ns. A block of a longer table: `first_index` is its
// first row's index and `table_rows` the table's rows (0: the block is the table).
std::optional<std::string> events_fault(std::span<const TraceEvent> events, std::size_t op_count,
                                        std::uint64_t first_index = 0, std::uint64_t table_rows = 0);

// Whether a table's declared extent can be what the file holds: its
// storage within the file, every chunk of a chunked table written, and no
// more decoded bytes than its stored bytes can give (×1 uncompressed,
// ×k_max_inflate_ratio compressed), so nothing is allocated for data that
// is not there.
struct TableExtent {
  std::uint64_t rows = 0;
  std::uint64_t file_row_bytes = 0;  // the row size as stored
  std::uint64_t mem_row_bytes = 0;   // the row size as read
  std::uint64_t storage_bytes = 0;   // what HDF5 says the table occupies
  bool chunked = false;
  bool compressed = false;
  std::uint64_t chunk_rows = 0;       // chunked tables only
  std::uint64_t chunks_stored = 0;    // chunked tables only
};
inline constexpr std::uint64_t k_max_chunk_bytes = std::uint64_t{64} << 20;
std::optional<std::string> extent_fault(const TableExtent& t, std::uint64_t file_bytes);

// world_size against the groups under /ranks.
std::optional<std::string> world_size_fault(std::int64_t world_size, std::uint64_t rank_groups);

// Table strings are printable ASCII (docs/trace-format.md); anything else
// in them is damage.
bool is_printable_ascii(std::string_view text);

// Replaces control characters and bytes outside printable ASCII in text
// taken from a file, and shortens it, so a message stays one readable line.
std::string printable(std::string_view text, std::size_t max_chars = 120);

// ---- HDF5-level checks ----------------------------------------------------

// A trace file opened for reading after its superblock was checked, with
// its size, which bounds everything read from it. Errors other than
// DamagedTrace are the distinct UsageErrors ("does not exist", "is not an
// HDF5 file").
struct OpenedTrace {
  h5::Handle file;
  std::uint64_t file_bytes = 0;
};
OpenedTrace open_trace_file(const std::string& path);

// The bytes the tables read so far occupy. Distinct tables never share
// storage in a sound file, so together they fit in it; this bounds the
// sum of what is decoded, not only each table.
struct ReadBudget {
  std::uint64_t file_bytes = 0;
  std::uint64_t storage_used = 0;
};

// Opens parent/name, which must be a hard link to a group (resp. dataset).
h5::Handle open_group(hid_t parent, const char* name, const std::string& what);
h5::Handle open_dataset(hid_t parent, const char* name, const std::string& what);

// Checks a one-dimensional table: its fields against `expected` (member by
// member, by name: class, size, sign), its storage (no external files, only
// the shuffle, deflate and fletcher32 filters; fletcher32 required when
// `require_checksum`) and its extent against the file. Returns its rows.
std::uint64_t check_table(hid_t dset, hid_t expected, const std::string& what, ReadBudget& budget,
                          bool require_checksum);
// Reads every row of a table check_table accepted into `out`.
void read_rows(hid_t dset, hid_t mem_type, void* out, const std::string& what);

template <class Row>
std::vector<Row> read_table(hid_t parent, const char* name, hid_t type, const std::string& what, ReadBudget& budget,
                            bool require_checksum = false) {
  h5::Handle dset = open_dataset(parent, name, what);
  const std::uint64_t rows = check_table(dset, type, what, budget, require_checksum);
  std::vector<Row> out(static_cast<std::size_t>(rows));
  if (rows > 0) read_rows(dset, type, out.data(), what);
  return out;
}

// Runs `body`; any failure but a UsageError becomes the one-line UsageError
// "damaged trace PATH: what".
[[noreturn]] void throw_damaged(const std::string& path, std::string_view what);
template <class Body>
auto guard_damaged(const std::string& path, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const UsageError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw_damaged(path, "it declares more data than can be read");
  } catch (const std::length_error&) {
    throw_damaged(path, "it declares more data than can be read");
  } catch (const std::exception& e) {
    throw_damaged(path, e.what());
  }
}

}  // namespace trace_checks
}  // namespace flopwall
