#include "sweep/sweep_table.hpp"

#include <array>
#include <cstddef>
#include <cstring>

#include "trace/h5.hpp"

namespace flopwall {
namespace {

using h5::Handle;

struct RowRecord {
  std::array<char, 16> collective;
  std::array<char, 8> tier;
  std::int64_t size_bytes;
  std::int64_t count;
  std::array<char, 12> dtype;
  std::array<char, 8> redop;  // "" when the collective does not reduce
  std::int32_t root;          // -1 when it has no root
  std::int32_t inplace;
  double time_us, algbw_gbs, busbw_gbs;
  std::int64_t wrong;  // -1: not checked
  double p50_us, p99_us, max_us;
};

struct FitRecord {
  std::array<char, 16> collective;
  std::array<char, 8> tier;
  double alpha_us, beta_gbs;
  std::int32_t points;
};


Handle row_type() {
  Handle t(FLOPWALL_H5_CHECK(H5Tcreate(H5T_COMPOUND, sizeof(RowRecord))), H5Tclose);
  Handle s16 = h5::fixed_string_type(16), s8 = h5::fixed_string_type(8), s12 = h5::fixed_string_type(12);
  FLOPWALL_H5_CHECK(H5Tinsert(t, "collective", offsetof(RowRecord, collective), s16));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "tier", offsetof(RowRecord, tier), s8));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "size_bytes", offsetof(RowRecord, size_bytes), H5T_NATIVE_INT64));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "count", offsetof(RowRecord, count), H5T_NATIVE_INT64));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "dtype", offsetof(RowRecord, dtype), s12));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "redop", offsetof(RowRecord, redop), s8));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "root", offsetof(RowRecord, root), H5T_NATIVE_INT32));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "inplace", offsetof(RowRecord, inplace), H5T_NATIVE_INT32));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "time_us", offsetof(RowRecord, time_us), H5T_NATIVE_DOUBLE));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "algbw_gbs", offsetof(RowRecord, algbw_gbs), H5T_NATIVE_DOUBLE));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "busbw_gbs", offsetof(RowRecord, busbw_gbs), H5T_NATIVE_DOUBLE));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "wrong", offsetof(RowRecord, wrong), H5T_NATIVE_INT64));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "p50_us", offsetof(RowRecord, p50_us), H5T_NATIVE_DOUBLE));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "p99_us", offsetof(RowRecord, p99_us), H5T_NATIVE_DOUBLE));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "max_us", offsetof(RowRecord, max_us), H5T_NATIVE_DOUBLE));
  return t;
}

Handle fit_type() {
  Handle t(FLOPWALL_H5_CHECK(H5Tcreate(H5T_COMPOUND, sizeof(FitRecord))), H5Tclose);
  Handle s16 = h5::fixed_string_type(16), s8 = h5::fixed_string_type(8);
  FLOPWALL_H5_CHECK(H5Tinsert(t, "collective", offsetof(FitRecord, collective), s16));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "tier", offsetof(FitRecord, tier), s8));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "alpha_us", offsetof(FitRecord, alpha_us), H5T_NATIVE_DOUBLE));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "beta_gbs", offsetof(FitRecord, beta_gbs), H5T_NATIVE_DOUBLE));
  FLOPWALL_H5_CHECK(H5Tinsert(t, "points", offsetof(FitRecord, points), H5T_NATIVE_INT32));
  return t;
}

template <std::size_t N>
void put(std::array<char, N>& dst, const std::string& s) {
  dst.fill('\0');
  s.copy(dst.data(), N - 1);
}
template <std::size_t N>
std::string get(const std::array<char, N>& src) {
  return std::string(src.data(), strnlen(src.data(), N));
}

template <class Record>
void write_table(hid_t file, const char* name, hid_t type, const std::vector<Record>& rows, bool writer) {
  const hsize_t dims[1] = {rows.size()};
  Handle space(FLOPWALL_H5_CHECK(H5Screate_simple(1, dims, nullptr)), H5Sclose);
  Handle dset(FLOPWALL_H5_CHECK(H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)), H5Dclose);
  if (writer && !rows.empty()) FLOPWALL_H5_CHECK(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()));
}

template <class Record>
std::vector<Record> read_table(hid_t file, const char* name, hid_t type) {
  Handle dset(FLOPWALL_H5_CHECK(H5Dopen2(file, name, H5P_DEFAULT)), H5Dclose);
  Handle space(FLOPWALL_H5_CHECK(H5Dget_space(dset)), H5Sclose);
  std::vector<Record> rows(static_cast<std::size_t>(FLOPWALL_H5_CHECK(H5Sget_simple_extent_npoints(space))));
  if (!rows.empty()) FLOPWALL_H5_CHECK(H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()));
  return rows;
}

}  // namespace

void write_sweep_tables(hid_t file, const SweepResult& result, bool writer) {
  std::vector<RowRecord> rows;
  for (const SweepRow& r : result.rows) {
    if (!r.available) continue;
    RowRecord rec{};
    put(rec.collective, r.collective);
    put(rec.tier, r.tier);
    put(rec.dtype, r.dtype);
    put(rec.redop, r.redop);
    rec.root = r.root;
    rec.size_bytes = r.size_bytes;
    rec.count = r.count;
    rec.inplace = r.inplace ? 1 : 0;
    rec.time_us = r.time_us;
    rec.algbw_gbs = r.algbw_gbs;
    rec.busbw_gbs = r.busbw_gbs;
    rec.wrong = r.wrong;
    rec.p50_us = r.p50_us;
    rec.p99_us = r.p99_us;
    rec.max_us = r.max_us;
    rows.push_back(rec);
  }
  std::vector<FitRecord> fits;
  for (const SweepFit& f : result.fits) {
    FitRecord rec{};
    put(rec.collective, f.collective);
    put(rec.tier, f.tier);
    rec.alpha_us = f.alpha_us;
    rec.beta_gbs = f.beta_gbs;
    rec.points = f.points;
    fits.push_back(rec);
  }
  Handle rt = row_type(), ft = fit_type();
  write_table(file, "collectives", rt, rows, writer);
  write_table(file, "collective_fits", ft, fits, writer);
  Handle dset(FLOPWALL_H5_CHECK(H5Dopen2(file, "collectives", H5P_DEFAULT)), H5Dclose);
  std::string notes;
  for (const auto& n : result.notes) notes += n + "\n";
  h5::write_attribute(dset, "notes", notes);
  h5::write_attribute(dset, "transport", result.transport);
}

std::optional<SweepResult> read_sweep_tables(const std::string& path) {
  h5::silence_errors();
  Handle file(FLOPWALL_H5_CHECK(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)), H5Fclose);
  if (H5Lexists(file, "collectives", H5P_DEFAULT) <= 0) return std::nullopt;
  SweepResult r;
  r.backend = h5::read_string_attribute(file, "backend");
  r.world_size = static_cast<int>(h5::read_int_attribute(file, "world_size"));
  Handle rt = row_type(), ft = fit_type();
  for (const RowRecord& rec : read_table<RowRecord>(file, "collectives", rt))
    r.rows.push_back({.collective = get(rec.collective), .tier = get(rec.tier), .size_bytes = rec.size_bytes,
                      .count = rec.count, .dtype = get(rec.dtype), .redop = get(rec.redop), .root = rec.root,
                      .inplace = rec.inplace != 0,
                      .time_us = rec.time_us, .algbw_gbs = rec.algbw_gbs, .busbw_gbs = rec.busbw_gbs, .wrong = rec.wrong,
                      .p50_us = rec.p50_us, .p99_us = rec.p99_us, .max_us = rec.max_us});
  for (const FitRecord& rec : read_table<FitRecord>(file, "collective_fits", ft))
    r.fits.push_back({.collective = get(rec.collective), .tier = get(rec.tier), .alpha_us = rec.alpha_us,
                      .beta_gbs = rec.beta_gbs, .points = rec.points});
  Handle dset(FLOPWALL_H5_CHECK(H5Dopen2(file, "collectives", H5P_DEFAULT)), H5Dclose);
  r.transport = h5::read_string_attribute(dset, "transport");
  const std::string notes = h5::read_string_attribute(dset, "notes");
  for (std::size_t start = 0, end; (end = notes.find('\n', start)) != std::string::npos; start = end + 1)
    r.notes.push_back(notes.substr(start, end - start));
  return r;
}

}  // namespace flopwall
