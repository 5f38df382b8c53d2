#include "trace/sweep_tables.hpp"

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <cstring>

#include "trace/h5.hpp"
#include "trace/trace_validation.hpp"

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

// A sweep stores a few hundred results; this many would be no sweep's, and it
// keeps sums over the rows (wrong_total) far from overflowing.
constexpr std::uint64_t k_max_sweep_rows = std::uint64_t{1} << 22;
constexpr std::int64_t k_max_wrong = std::int64_t{1} << 40;

std::string text(const char* what, std::size_t row, const char* field, std::string value) {
  if (!trace_checks::is_printable_ascii(value))
    throw DamagedTrace(fmt::format("{} row {} has a {} that is not printable ASCII", what, row, field));
  return value;
}

void check_row(const RowRecord& rec, std::size_t i) {
  const auto bad = [&](const char* field, std::int64_t value, const char* valid) {
    throw DamagedTrace(fmt::format("/collectives row {} has {} {}; valid: {}", i, field, value, valid));
  };
  if (rec.size_bytes < 0) bad("size_bytes", rec.size_bytes, "0 or more");
  if (rec.count < 0) bad("count", rec.count, "0 or more");
  if (rec.root < -1) bad("root", rec.root, "-1 or a rank");
  if (rec.inplace != 0 && rec.inplace != 1) bad("inplace", rec.inplace, "0 or 1");
  if (rec.wrong < -1 || rec.wrong > k_max_wrong) bad("wrong", rec.wrong, "-1 (not checked) .. 2^40");
}

SweepResult read_checked(hid_t file, trace_checks::ReadBudget& budget) {
  SweepResult r;
  r.backend = h5::read_string_attribute(file, "backend", budget.file_bytes);
  const std::int64_t world_size = h5::read_int_attribute(file, "world_size");
  if (world_size < 1 || world_size > trace_checks::k_max_world_size)
    throw DamagedTrace(*trace_checks::world_size_fault(world_size, 0));
  r.world_size = static_cast<int>(world_size);
  Handle rt = row_type(), ft = fit_type();
  const auto rows = trace_checks::read_table<RowRecord>(file, "collectives", rt, "/collectives", budget);
  const auto fits = trace_checks::read_table<FitRecord>(file, "collective_fits", ft, "/collective_fits", budget);
  if (rows.size() > k_max_sweep_rows || fits.size() > k_max_sweep_rows)
    throw DamagedTrace(fmt::format("/collectives has {} rows and /collective_fits {}; a sweep has at most {}",
                                   rows.size(), fits.size(), k_max_sweep_rows));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const RowRecord& rec = rows[i];
    check_row(rec, i);
    r.rows.push_back({.collective = text("/collectives", i, "collective", get(rec.collective)),
                      .tier = text("/collectives", i, "tier", get(rec.tier)), .size_bytes = rec.size_bytes,
                      .count = rec.count, .dtype = text("/collectives", i, "dtype", get(rec.dtype)),
                      .redop = text("/collectives", i, "redop", get(rec.redop)), .root = rec.root,
                      .inplace = rec.inplace != 0,
                      .time_us = rec.time_us, .algbw_gbs = rec.algbw_gbs, .busbw_gbs = rec.busbw_gbs, .wrong = rec.wrong,
                      .p50_us = rec.p50_us, .p99_us = rec.p99_us, .max_us = rec.max_us});
  }
  for (std::size_t i = 0; i < fits.size(); ++i) {
    const FitRecord& rec = fits[i];
    if (rec.points < 0)
      throw DamagedTrace(fmt::format("/collective_fits row {} has points {}; valid: 0 or more", i, rec.points));
    r.fits.push_back({.collective = text("/collective_fits", i, "collective", get(rec.collective)),
                      .tier = text("/collective_fits", i, "tier", get(rec.tier)), .alpha_us = rec.alpha_us,
                      .beta_gbs = rec.beta_gbs, .points = rec.points});
  }
  Handle dset = trace_checks::open_dataset(file, "collectives", "/collectives");
  r.transport = h5::read_string_attribute(dset, "transport", budget.file_bytes);
  const std::string notes = h5::read_string_attribute(dset, "notes", budget.file_bytes);
  for (std::size_t start = 0, end; (end = notes.find('\n', start)) != std::string::npos; start = end + 1)
    r.notes.push_back(notes.substr(start, end - start));
  return r;
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
  return trace_checks::guard_damaged(path, [&]() -> std::optional<SweepResult> {
    trace_checks::OpenedTrace opened = trace_checks::open_trace_file(path);
    if (h5::link_type(opened.file, "collectives") == h5::LinkType::missing) return std::nullopt;
    trace_checks::ReadBudget budget{.file_bytes = opened.file_bytes};
    return read_checked(opened.file, budget);
  });
}

}  // namespace flopwall
