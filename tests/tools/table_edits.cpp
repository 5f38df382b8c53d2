#include "tools/table_edits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include "trace/trace_schema.hpp"

namespace flopwall::damage::edits {
namespace {

using h5::Handle;
using h5::expect;

Handle open_dataset(hid_t file, const std::string& path) {
  return Handle(expect(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "open " + path), H5Dclose);
}

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string leaf_of(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

// A compound holding just `field` as `type`: HDF5 reads and writes that
// field alone, converting to and from the stored width.
Handle single_field_type(const char* field, hid_t type) {
  Handle t(expect(H5Tcreate(H5T_COMPOUND, H5Tget_size(type)), "type"), H5Tclose);
  expect(H5Tinsert(t, field, 0, type), "insert");
  return t;
}

// File and memory selections of row `row` alone.
void access_row(hid_t dset, std::uint64_t row, hid_t type, void* buf, bool write) {
  Handle space(expect(H5Dget_space(dset), "space"), H5Sclose);
  const hsize_t start[1] = {row}, count[1] = {1};
  expect(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr), "select row");
  Handle mem(expect(H5Screate_simple(1, count, nullptr), "mem space"), H5Sclose);
  if (write) expect(H5Dwrite(dset, type, mem, space, H5P_DEFAULT, buf), "write row");
  else expect(H5Dread(dset, type, mem, space, H5P_DEFAULT, buf), "read row");
}

void replace_dataset(hid_t file, const std::string& path, hid_t type, std::uint64_t rows, hid_t dcpl,
                     const void* data) {
  delete_link(file, path);
  const hsize_t dims[1] = {rows};
  Handle space(expect(H5Screate_simple(1, dims, nullptr), "space"), H5Sclose);
  Handle dset(expect(H5Dcreate2(file, path.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), "create " + path),
              H5Dclose);
  if (data && rows > 0) expect(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write " + path);
}

template <class T>
T pick(std::mt19937_64& rng, std::initializer_list<T> values) {
  return *(values.begin() + rng() % values.size());
}

}  // namespace

Handle open_rw(const std::string& path) {
  Handle fapl(expect(H5Pcreate(H5P_FILE_ACCESS), "fapl"), H5Pclose);
  expect(H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_LATEST), "libver");
  expect(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), "close degree");
  return Handle(expect(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl), "open " + path), H5Fclose);
}

std::int64_t table_rows(hid_t file, const std::string& dataset) {
  Handle dset = open_dataset(file, dataset);
  Handle space(expect(H5Dget_space(dset), "space"), H5Sclose);
  return expect(H5Sget_simple_extent_npoints(space), "rows");
}

std::int64_t group_count(hid_t file, const std::string& group) {
  Handle g(expect(H5Gopen2(file, group.c_str(), H5P_DEFAULT), "open " + group), H5Gclose);
  H5G_info_t info{};
  expect(H5Gget_info(g, &info), "group info");
  return static_cast<std::int64_t>(info.nlinks);
}

std::int64_t read_int_field(hid_t file, const std::string& dataset, std::uint64_t row, const char* field) {
  Handle dset = open_dataset(file, dataset);
  Handle type = single_field_type(field, H5T_NATIVE_INT64);
  std::int64_t value = 0;
  access_row(dset, row, type, &value, false);
  return value;
}

void write_int_field(hid_t file, const std::string& dataset, std::uint64_t row, const char* field, std::int64_t value) {
  Handle dset = open_dataset(file, dataset);
  Handle type = single_field_type(field, H5T_NATIVE_INT64);
  access_row(dset, row, type, &value, true);
}

void write_float_field(hid_t file, const std::string& dataset, std::uint64_t row, const char* field, double value) {
  Handle dset = open_dataset(file, dataset);
  Handle type = single_field_type(field, H5T_NATIVE_DOUBLE);
  access_row(dset, row, type, &value, true);
}

void write_string_field(hid_t file, const std::string& dataset, std::uint64_t row, const char* field,
                        const std::string& value) {
  Handle dset = open_dataset(file, dataset);
  Handle file_type(expect(H5Dget_type(dset), "type"), H5Tclose);
  const int idx = expect(H5Tget_member_index(file_type, field), std::string("no field ") + field);
  Handle member(expect(H5Tget_member_type(file_type, static_cast<unsigned>(idx)), "member"), H5Tclose);
  std::vector<char> buf(H5Tget_size(member), '\0');
  std::memcpy(buf.data(), value.data(), std::min(buf.size(), value.size()));
  Handle type = single_field_type(field, member);
  access_row(dset, row, type, buf.data(), true);
}

void set_int_attribute(hid_t obj, const char* name, std::int64_t value) {
  if (H5Aexists(obj, name) > 0) expect(H5Adelete(obj, name), "delete attribute");
  h5::write_attribute(obj, name, value);
}

void set_string_attribute(hid_t obj, const char* name, const std::string& value) {
  if (H5Aexists(obj, name) > 0) expect(H5Adelete(obj, name), "delete attribute");
  h5::write_attribute(obj, name, value);
}

void set_int_attribute_at(hid_t file, const std::string& object, const char* name, std::int64_t value) {
  Handle obj(expect(H5Oopen(file, object.c_str(), H5P_DEFAULT), "open " + object), H5Oclose);
  set_int_attribute(obj, name, value);
}

void set_string_attribute_at(hid_t file, const std::string& object, const char* name, const std::string& value) {
  Handle obj(expect(H5Oopen(file, object.c_str(), H5P_DEFAULT), "open " + object), H5Oclose);
  set_string_attribute(obj, name, value);
}

void delete_link(hid_t file, const std::string& path) {
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0) expect(H5Ldelete(file, path.c_str(), H5P_DEFAULT), "delete");
}

void replace_with_unwritten_events(hid_t file, const std::string& dataset, std::uint64_t rows) {
  Handle dcpl(expect(H5Pcreate(H5P_DATASET_CREATE), "dcpl"), H5Pclose);
  const hsize_t chunk[1] = {trace_schema::k_event_chunk_rows};
  expect(H5Pset_chunk(dcpl, 1, chunk), "chunk");
  expect(H5Pset_shuffle(dcpl), "shuffle");
  expect(H5Pset_deflate(dcpl, trace_schema::k_deflate_level), "deflate");
  expect(H5Pset_fletcher32(dcpl), "fletcher32");
  Handle type = trace_schema::event_type();
  replace_dataset(file, dataset, type, rows, dcpl, nullptr);
}

void replace_with_unwritten_contiguous(hid_t file, const std::string& dataset, std::uint64_t rows) {
  Handle type;
  {
    Handle dset = open_dataset(file, dataset);
    type = Handle(expect(H5Dget_type(dset), "type"), H5Tclose);
  }
  replace_dataset(file, dataset, type, rows, H5P_DEFAULT, nullptr);
}

void replace_with_foreign_table(hid_t file, const std::string& dataset) {
  const auto rows = static_cast<std::uint64_t>(table_rows(file, dataset));
  Handle type = single_field_type("x", H5T_NATIVE_INT64);
  const std::vector<std::int64_t> zeros(rows, 0);
  replace_dataset(file, dataset, type, rows, H5P_DEFAULT, zeros.data());
}

void rewrite_table(hid_t file, const std::string& dataset, const TableRewrite& how) {
  Handle dset = open_dataset(file, dataset);
  Handle file_type(expect(H5Dget_type(dset), "type"), H5Tclose);
  Handle dcpl(expect(H5Dget_create_plist(dset), "dcpl"), H5Pclose);
  if (how.drop_filters) expect(H5Premove_filter(dcpl, H5Z_FILTER_FLETCHER32), "remove filter");
  const auto rows = static_cast<std::uint64_t>(table_rows(file, dataset));

  // Two types of one layout: the old names to read, the new ones to write.
  struct Member {
    std::string read_name, write_name;
    Handle type;
    std::size_t offset;
  };
  std::vector<Member> members;
  std::size_t size = 0;
  const int n = expect(H5Tget_nmembers(file_type), "members");
  for (int i = 0; i < n; ++i) {
    char* raw = H5Tget_member_name(file_type, static_cast<unsigned>(i));
    const std::string name(raw);
    H5free_memory(raw);
    if (how.drop && name == how.drop) continue;
    Handle type(expect(how.retype && name == how.retype ? H5Tcopy(how.new_type)
                                                         : H5Tget_member_type(file_type, static_cast<unsigned>(i)),
                       "member"),
                H5Tclose);
    const std::size_t bytes = H5Tget_size(type);
    const std::string renamed = how.rename_from && name == how.rename_from ? how.rename_to : name;
    members.push_back({name, renamed, std::move(type), size});
    size += bytes;
  }
  Handle read_type(expect(H5Tcreate(H5T_COMPOUND, size), "type"), H5Tclose);
  Handle write_type(expect(H5Tcreate(H5T_COMPOUND, size), "type"), H5Tclose);
  for (const Member& m : members) {
    expect(H5Tinsert(read_type, m.read_name.c_str(), m.offset, m.type), "insert");
    expect(H5Tinsert(write_type, m.write_name.c_str(), m.offset, m.type), "insert");
  }
  // A table declared far larger than its file is not copied (the fuzzer's
  // mutator meets such tables when it edits its own damaged inputs).
  if (rows > (std::uint64_t{64} << 20) / std::max<std::size_t>(size, 1)) throw std::runtime_error("table too large");
  std::vector<unsigned char> data(rows * size);
  if (rows > 0) expect(H5Dread(dset, read_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), "read");
  dset.reset();
  replace_dataset(file, dataset, write_type, rows, dcpl, data.data());
}

void copy_attributes(hid_t src, hid_t dst) {
  for (const std::string& name : h5::attribute_names(src, 1u << 16)) {
    Handle attr(expect(H5Aopen(src, name.c_str(), H5P_DEFAULT), "open attribute"), H5Aclose);
    Handle type(expect(H5Aget_type(attr), "type"), H5Tclose);
    Handle space(expect(H5Aget_space(attr), "space"), H5Sclose);
    std::vector<unsigned char> buf(H5Aget_storage_size(attr) + H5Tget_size(type));
    expect(H5Aread(attr, type, buf.data()), "read attribute");
    Handle copy(expect(H5Acreate2(dst, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), "create attribute"),
                H5Aclose);
    expect(H5Awrite(copy, type, buf.data()), "write attribute");
  }
}

namespace {

// One attribute of the root, a rank group, /meta or /collectives replaced by
// an integer or a string drawn from the edge cases.
void random_attribute_write(hid_t file, std::mt19937_64& rng) {
  std::vector<std::string> objects{"/", "/meta", "/ranks/00000", "/ranks/00001"};
  if (H5Lexists(file, "/collectives", H5P_DEFAULT) > 0) objects.emplace_back("/collectives");
  const std::string& object = objects[rng() % objects.size()];
  if (object != "/" && H5Lexists(file, object.c_str(), H5P_DEFAULT) <= 0) throw std::runtime_error("no object");
  Handle obj(expect(H5Oopen(file, object.c_str(), H5P_DEFAULT), "open " + object), H5Oclose);
  const auto names = h5::attribute_names(obj, 1u << 16);
  if (names.empty()) throw std::runtime_error("no attributes");
  const std::string& name = names[rng() % names.size()];
  switch (rng() % 4) {
    case 0:
      set_int_attribute(obj, name.c_str(),
                        pick<std::int64_t>(rng, {0, 1, -1, 2, 3, INT32_MAX, INT64_MIN, INT64_MAX,
                                                 std::int64_t{1} << 24, (std::int64_t{1} << 24) + 1}));
      break;
    case 1:
      set_string_attribute(obj, name.c_str(),
                           pick<std::string>(rng, {"", "1", "flopwall-trace", "{}", "[]", "{\"model\":1}", "\xc3\x28",
                                                   R"({"mode":"collectives","iters":"x"})", std::string(100, '{')}));
      break;
    case 2: expect(H5Adelete(obj, name.c_str()), "delete attribute"); break;
    default: {
      // A float where an integer or a string is expected.
      Handle space(expect(H5Screate(H5S_SCALAR), "space"), H5Sclose);
      expect(H5Adelete(obj, name.c_str()), "delete attribute");
      Handle attr(expect(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT), "create"),
                  H5Aclose);
      const double v = 1.0;
      expect(H5Awrite(attr, H5T_NATIVE_DOUBLE, &v), "write attribute");
    }
  }
}

}  // namespace

void random_field_write(hid_t file, std::mt19937_64& rng) {
  if (rng() % 3 == 0) {
    random_attribute_write(file, rng);
    return;
  }
  std::vector<std::string> tables{"/ops"};
  for (const char* t : {"/collectives", "/collective_fits"})
    if (H5Lexists(file, t, H5P_DEFAULT) > 0) tables.emplace_back(t);
  const std::int64_t ranks = group_count(file, "/ranks");
  if (ranks > 0) {
    const std::string group = fmt::format("/ranks/{:05d}", static_cast<std::int64_t>(rng() % ranks));
    for (const char* t : {"/events", "/events", "/events", "/clock_sync", "/recent_ops"})
      if (H5Lexists(file, group.c_str(), H5P_DEFAULT) > 0 && H5Lexists(file, (group + t).c_str(), H5P_DEFAULT) > 0)
        tables.push_back(group + t);
  }
  const std::string dataset = tables[rng() % tables.size()];
  const std::int64_t rows = table_rows(file, dataset);
  if (rows == 0) throw std::runtime_error("empty table");
  const auto row = static_cast<std::uint64_t>(rng() % static_cast<std::uint64_t>(rows));
  Handle dset = open_dataset(file, dataset);
  Handle type(expect(H5Dget_type(dset), "type"), H5Tclose);
  const auto idx = static_cast<unsigned>(rng() % static_cast<unsigned>(expect(H5Tget_nmembers(type), "members")));
  char* raw = H5Tget_member_name(type, idx);
  const std::string field(raw);
  H5free_memory(raw);
  const H5T_class_t cls = H5Tget_member_class(type, idx);
  dset.reset();
  if (cls == H5T_INTEGER) {
    const std::int64_t v = pick<std::int64_t>(
        rng, {0, 1, -1, 2, rows, rows - 1, rows + 1, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, std::int64_t{1} << 24,
              std::int64_t{1} << 62, -(std::int64_t{1} << 62) - 1, static_cast<std::int64_t>(rng())});
    write_int_field(file, dataset, row, field.c_str(), v);
  } else if (cls == H5T_FLOAT) {
    const double v = pick<double>(rng, {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                                        std::numeric_limits<double>::infinity(), -1e308, 1e308, 5e-324});
    write_float_field(file, dataset, row, field.c_str(), v);
  } else if (cls == H5T_STRING) {
    const std::string v = pick<std::string>(rng, {"", "comm", "idle", "compute", "x,y\"z", "\xff\xfe", "\n", "world",
                                                  std::string(64, 'a')});
    write_string_field(file, dataset, row, field.c_str(), v);
  }
}

}  // namespace flopwall::damage::edits
