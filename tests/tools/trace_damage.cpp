#include "tools/trace_damage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <climits>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "tools/table_edits.hpp"
#include "trace/event_chunks.hpp"
#include "trace/h5.hpp"
#include "trace/trace_schema.hpp"

namespace flopwall::damage {
namespace {

using h5::Handle;
namespace fs = std::filesystem;

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::uint64_t read_u64_le(const std::vector<char>& bytes, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<unsigned char>(bytes.at(at + i))} << (8 * i);
  return v;
}

// ---- byte-level damage ----------------------------------------------------

void truncate_at(const std::string& path, std::uint64_t seed) {
  auto bytes = read_bytes(path);
  const std::size_t n = bytes.size();
  const std::array<std::size_t, 6> cuts{100, 512, n / 4, n / 2, 3 * n / 4, n - 1};
  bytes.resize(std::min(n, cuts[seed % cuts.size()]));
  write_bytes(path, bytes);
}

void flip_bytes(const std::string& path, std::uint64_t seed) {
  auto bytes = read_bytes(path);
  std::mt19937_64 rng(seed);
  const int flips = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < flips; ++i) bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
  write_bytes(path, bytes);
}

// Superblock v2/3: signature 8, versions and sizes 4, base, extension, EOF
// and root object header addresses at 12, 20, 28, 36, checksum at 44.
void flip_in_superblock(const std::string& path) {
  auto bytes = read_bytes(path);
  bytes.at(30) ^= 0x10;  // the stored end-of-file address
  write_bytes(path, bytes);
}

void flip_in_root_header(const std::string& path) {
  auto bytes = read_bytes(path);
  const std::uint64_t root = read_u64_le(bytes, 36);
  if (std::string(bytes.data() + root, 4) != "OHDR") throw std::runtime_error("no v2 root object header");
  bytes.at(root + 12) ^= 0x01;
  write_bytes(path, bytes);
}

void flip_in_events_chunk(const std::string& path, bool rechecksum) {
  haddr_t address = 0;
  hsize_t size = 0;
  {
    Handle file(h5::expect(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open"), H5Fclose);
    Handle dset(h5::expect(H5Dopen2(file, "/ranks/00000/events", H5P_DEFAULT), "open events"), H5Dclose);
    Handle space(h5::expect(H5Dget_space(dset), "space"), H5Sclose);
    hsize_t offset[1] = {0};
    unsigned mask = 0;
    h5::expect(H5Dget_chunk_info(dset, space, 0, offset, &mask, &address, &size), "chunk info");
  }
  auto bytes = read_bytes(path);
  bytes.at(address + size / 2) ^= 0x40;
  if (rechecksum) {
    // The chunk's fletcher32 (its last four bytes, little-endian) made to
    // match again: only inflating the chunk can tell.
    const auto* chunk = reinterpret_cast<const std::uint8_t*>(bytes.data() + address);
    const std::uint32_t sum = hdf5_fletcher32({chunk, static_cast<std::size_t>(size - 4)});
    for (int i = 0; i < 4; ++i) bytes.at(address + size - 4 + i) = static_cast<char>((sum >> (8 * i)) & 0xff);
  }
  write_bytes(path, bytes);
}

// The same objects in a file of the oldest format: no metadata checksums.
void rewrite_without_checksums(const std::string& in, const std::string& out) {
  const std::string tmp = out + ".v0";
  {
    Handle src(h5::expect(H5Fopen(in.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open"), H5Fclose);
    Handle dst(h5::expect(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "create"), H5Fclose);
    for (const char* name : {"meta", "ops", "ranks", "collectives", "collective_fits"})
      if (H5Lexists(src, name, H5P_DEFAULT) > 0)
        h5::expect(H5Ocopy(src, name, dst, name, H5P_DEFAULT, H5P_DEFAULT), "copy");
    edits::copy_attributes(src, dst);
  }
  fs::rename(tmp, out);
}

// ---- content damage through HDF5 --------------------------------------------

using Edit = std::function<void(hid_t file)>;

void with_file(const std::string& path, const Edit& edit) {
  Handle file = edits::open_rw(path);
  edit(file);
}

std::string events_of(int rank) { return fmt::format("/ranks/{:05d}/events", rank); }

struct NamedEdit {
  DamageClass info;
  std::function<void(const std::string& good, const std::string& out, std::uint64_t seed)> apply;
};

NamedEdit content(const char* name, const char* what, bool sweep, Edit edit) {
  return {{name, what, sweep ? "sweep" : "run"}, [edit](const std::string&, const std::string& out, std::uint64_t) {
            with_file(out, edit);
          }};
}

// Damage to a workload sweep's trace (`flopwall sweep`: its points).
NamedEdit point_edit(const char* name, const char* what, Edit edit) {
  return {{name, what, "points"}, [edit](const std::string&, const std::string& out, std::uint64_t) {
            with_file(out, edit);
          }};
}

NamedEdit bytes(const char* name, const char* what, std::function<void(const std::string&, std::uint64_t)> f) {
  return {{name, what, "run"}, [f](const std::string&, const std::string& out, std::uint64_t seed) { f(out, seed); }};
}

const std::vector<NamedEdit>& all_edits() {
  using namespace edits;
  static const std::vector<NamedEdit> list{
      content("iter_minus_one", "an event of rank 0 with iter -1", false,
              [](hid_t f) { write_int_field(f, events_of(0), 0, "iter", -1); }),
      content("iter_int_max", "an event with iter 2^31-1", false,
              [](hid_t f) { write_int_field(f, events_of(0), 1, "iter", INT32_MAX); }),
      content("iter_int_min", "an event with iter -2^31", false,
              [](hid_t f) { write_int_field(f, events_of(1), 2, "iter", INT32_MIN); }),
      content("op_out_of_range", "an event whose op is past /ops", false,
              [](hid_t f) { write_int_field(f, events_of(0), 3, "op", table_rows(f, "/ops")); }),
      content("op_negative", "an event with op -1", false,
              [](hid_t f) { write_int_field(f, events_of(1), 0, "op", -1); }),
      content("end_before_start", "an event with t_end_ns < t_start_ns", false, [](hid_t f) {
        const std::int64_t start = read_int_field(f, events_of(0), 4, "t_start_ns");
        write_int_field(f, events_of(0), 4, "t_end_ns", start - 1);
      }),
      content("stamps_extreme", "an event spanning int64's whole range", false, [](hid_t f) {
        write_int_field(f, events_of(0), 0, "t_start_ns", INT64_MIN);
        write_int_field(f, events_of(0), 0, "t_end_ns", INT64_MAX);
      }),
      content("world_size_zero", "world_size 0", false, [](hid_t f) { set_int_attribute(f, "world_size", 0); }),
      content("world_size_negative", "world_size -2", false,
              [](hid_t f) { set_int_attribute(f, "world_size", -2); }),
      content("world_size_above_groups", "world_size one more than /ranks has", false,
              [](hid_t f) { set_int_attribute(f, "world_size", group_count(f, "/ranks") + 1); }),
      content("world_size_huge", "world_size 2^30", false,
              [](hid_t f) { set_int_attribute(f, "world_size", std::int64_t{1} << 30); }),
      content("world_size_string", "world_size stored as a string", false,
              [](hid_t f) { set_string_attribute(f, "world_size", "2"); }),
      content("schema_version_string", "schema_version stored as a string", false,
              [](hid_t f) { set_string_attribute(f, "schema_version", "1"); }),
      content("hostname_integer", "a rank's hostname stored as an integer", false,
              [](hid_t f) { set_int_attribute_at(f, "/ranks/00000", "hostname", 7); }),
      content("clock_error_negative", "a rank's clock_error_ns below 0", false,
              [](hid_t f) { set_int_attribute_at(f, "/ranks/00001", "clock_error_ns", INT64_MIN); }),
      content("missing_rank_group", "/ranks/00001 renamed /ranks/00002 (as many groups as ranks, one missing)", false,
              [](hid_t f) {
                h5::expect(H5Lmove(f, "/ranks/00001", f, "/ranks/00002", H5P_DEFAULT, H5P_DEFAULT), "move");
              }),
      content("rank_group_deleted", "/ranks/00001 deleted", false,
              [](hid_t f) { delete_link(f, "/ranks/00001"); }),
      content("rank_group_soft_link", "/ranks/00001 a soft link to /ranks/00000", false, [](hid_t f) {
        delete_link(f, "/ranks/00001");
        h5::expect(H5Lcreate_soft("/ranks/00000", f, "/ranks/00001", H5P_DEFAULT, H5P_DEFAULT), "soft link");
      }),
      content("events_external_link", "rank 0's events an external link", false, [](hid_t f) {
        delete_link(f, events_of(0));
        h5::expect(H5Lcreate_external("/etc/hostname", "/x", f, events_of(0).c_str(), H5P_DEFAULT, H5P_DEFAULT),
                   "external link");
      }),
      content("events_unwritten", "rank 0's events declared with 2e7 rows, never written", false,
              [](hid_t f) { replace_with_unwritten_events(f, events_of(0), 20'000'000); }),
      content("events_field_missing", "events without t_end_ns", false,
              [](hid_t f) { rewrite_table(f, events_of(0), {.drop = "t_end_ns"}); }),
      content("events_field_renamed", "events with t_end_ns renamed t_end", false,
              [](hid_t f) { rewrite_table(f, events_of(1), {.rename_from = "t_end_ns", .rename_to = "t_end"}); }),
      content("events_field_wrong_type", "events whose iter is a float64", false,
              [](hid_t f) { rewrite_table(f, events_of(0), {.retype = "iter", .new_type = H5T_IEEE_F64LE}); }),
      content("events_all_fields_missing", "events holding no schema field", false,
              [](hid_t f) { replace_with_foreign_table(f, events_of(0)); }),
      content("events_no_checksum", "rank 0's events rewritten without fletcher32", false,
              [](hid_t f) { rewrite_table(f, events_of(0), {.drop_filters = true}); }),
      content("ops_unwritten", "/ops declared with 2e7 rows, never written", false,
              [](hid_t f) { replace_with_unwritten_contiguous(f, "/ops", 20'000'000); }),
      content("ops_id_mismatch", "/ops row 1 with id 5", false,
              [](hid_t f) { write_int_field(f, "/ops", 1, "id", 5); }),
      content("ops_kind_unknown", "/ops row 0 with kind 'bogus'", false,
              [](hid_t f) { write_string_field(f, "/ops", 0, "kind", "bogus"); }),
      content("config_json_nested", "config_json of 2 MB of nested brackets", false,
              [](hid_t f) { set_string_attribute(f, "config_json", std::string(2u << 20, '[')); }),
      content("config_json_wrong_types", "config_json with numbers as strings and strings as numbers", false,
              [](hid_t f) {
                set_string_attribute(f, "config_json", R"({"model":5,"hidden":"256","iters":[1],"tp":2.5})");
              }),
      content("config_json_not_json", "config_json that is not JSON", false,
              [](hid_t f) { set_string_attribute(f, "config_json", R"({"model": "tiny", )"); }),
      content("sweep_rows_values", "/collectives row 0 with inplace 7", true,
              [](hid_t f) { write_int_field(f, "/collectives", 0, "inplace", 7); }),
      content("sweep_wrong_negative", "/collectives row 0 with wrong -5", true,
              [](hid_t f) { write_int_field(f, "/collectives", 0, "wrong", -5); }),
      content("sweep_field_wrong_type", "/collectives whose size_bytes is a float64", true,
              [](hid_t f) { rewrite_table(f, "/collectives", {.retype = "size_bytes", .new_type = H5T_IEEE_F64LE}); }),
      content("sweep_fits_missing", "/collective_fits deleted", true,
              [](hid_t f) { delete_link(f, "/collective_fits"); }),
      content("sweep_notes_integer", "/collectives notes stored as an integer", true,
              [](hid_t f) { set_int_attribute_at(f, "/collectives", "notes", 3); }),
      content("sweep_rows_unwritten", "/collectives declared with 2e7 rows, never written", true,
              [](hid_t f) { replace_with_unwritten_contiguous(f, "/collectives", 20'000'000); }),
      bytes("truncated", "the file cut short (seed picks where)", truncate_at),
      bytes("byte_flips", "1 to 8 bytes flipped anywhere (seeded)", flip_bytes),
      bytes("superblock_flip", "a flipped byte in the superblock",
            [](const std::string& p, std::uint64_t) { flip_in_superblock(p); }),
      bytes("object_header_flip", "a flipped byte in the root object header",
            [](const std::string& p, std::uint64_t) { flip_in_root_header(p); }),
      bytes("events_chunk_flip", "a flipped byte in rank 0's first events chunk",
            [](const std::string& p, std::uint64_t) { flip_in_events_chunk(p, false); }),
      bytes("events_chunk_inflate", "a flipped byte in rank 0's first events chunk, its checksum made to match",
            [](const std::string& p, std::uint64_t) { flip_in_events_chunk(p, true); }),
      {{"no_checksums", "the same trace in HDF5's oldest format (superblock 0)", "run"},
       [](const std::string& good, const std::string& out, std::uint64_t) { rewrite_without_checksums(good, out); }},
      point_edit("points_sweep_json_not_json", "a workload sweep whose sweep_json is not JSON",
                 [](hid_t f) { set_string_attribute(f, "sweep_json", R"({"param": "batch", )"); }),
      point_edit("points_param_unknown", "a workload sweep of an unknown parameter", [](hid_t f) {
        set_string_attribute(f, "sweep_json", R"({"version": 1, "param": "colour", "values": ["1", "2"]})");
      }),
      point_edit("points_value_mismatch", "a point whose value is not the one sweep_json lists there",
                 [](hid_t f) { set_string_attribute_at(f, "/points/00001", "value", "99"); }),
      point_edit("points_more_than_values", "/points holding more points than sweep_json lists values", [](hid_t f) {
        h5::expect(H5Lcreate_hard(f, "/points/00000", f, "/points/00002", H5P_DEFAULT, H5P_DEFAULT), "link");
      }),
      point_edit("points_group_missing", "/points/00001 renamed /points/00007", [](hid_t f) {
        h5::expect(H5Lmove(f, "/points/00001", f, "/points/00007", H5P_DEFAULT, H5P_DEFAULT), "move");
      }),
      point_edit("points_config_json_wrong_types", "a point whose config_json has a string batch",
                 [](hid_t f) { set_string_attribute_at(f, "/points/00000", "config_json", R"({"batch": "1"})"); }),
      point_edit("points_op_out_of_range", "an event of point 1 whose op is past its /ops", [](hid_t f) {
        write_int_field(f, "/points/00001/ranks/00000/events", 0, "op", table_rows(f, "/points/00001/ops"));
      }),
  };
  return list;
}

}  // namespace

const std::vector<DamageClass>& classes() {
  static const std::vector<DamageClass> list = [] {
    std::vector<DamageClass> out;
    for (const NamedEdit& e : all_edits()) out.push_back(e.info);
    return out;
  }();
  return list;
}

void make_damaged(const std::string& good, const std::string& out, const std::string& name, std::uint64_t seed) {
  h5::silence_errors();
  for (const NamedEdit& e : all_edits())
    if (name == e.info.name) {
      fs::copy_file(good, out, fs::copy_options::overwrite_existing);
      e.apply(good, out, seed);
      return;
    }
  throw std::runtime_error("unknown damage class '" + name + "'");
}

bool random_edit(const std::string& path, std::mt19937_64& rng) {
  h5::silence_errors();
  // Content edits only: byte-level damage is the fuzzer's own mutation.
  std::vector<const NamedEdit*> candidates;
  for (const NamedEdit& e : all_edits())
    if (std::string_view(e.info.name) != "no_checksums" && e.info.name != std::string_view("truncated") &&
        !std::string_view(e.info.name).ends_with("_flip") && e.info.name != std::string_view("byte_flips"))
      candidates.push_back(&e);
  try {
    if (rng() % 2 == 0) {
      with_file(path, [&](hid_t f) { edits::random_field_write(f, rng); });
    } else {
      const NamedEdit& e = *candidates[rng() % candidates.size()];
      e.apply(path, path, rng());
    }
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace flopwall::damage
