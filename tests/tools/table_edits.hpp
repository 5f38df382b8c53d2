#pragma once
// Small HDF5 edits of a trace file in place, the building blocks of
// trace_damage.cpp. Every function throws std::runtime_error on failure.
#include <hdf5.h>

#include <cstdint>
#include <random>
#include <string>

#include "trace/h5.hpp"

namespace flopwall::damage::edits {

// Opened for writing in the format flopwall writes (checksummed metadata).
h5::Handle open_rw(const std::string& path);

std::int64_t table_rows(hid_t file, const std::string& dataset);
std::int64_t group_count(hid_t file, const std::string& group);
// One field of one row, by name, whatever the stored width (HDF5 converts).
std::int64_t read_int_field(hid_t file, const std::string& dataset, std::uint64_t row, const char* field);
void write_int_field(hid_t file, const std::string& dataset, std::uint64_t row, const char* field, std::int64_t value);
void write_float_field(hid_t file, const std::string& dataset, std::uint64_t row, const char* field, double value);
void write_string_field(hid_t file, const std::string& dataset, std::uint64_t row, const char* field,
                        const std::string& value);

// Replace an attribute whatever its current type.
void set_int_attribute(hid_t obj, const char* name, std::int64_t value);
void set_string_attribute(hid_t obj, const char* name, const std::string& value);
void set_int_attribute_at(hid_t file, const std::string& object, const char* name, std::int64_t value);
void set_string_attribute_at(hid_t file, const std::string& object, const char* name, const std::string& value);
void delete_link(hid_t file, const std::string& path);

// /ranks/NNNNN/events as flopwall creates it (chunked, filtered), `rows` rows, nothing written.
void replace_with_unwritten_events(hid_t file, const std::string& dataset, std::uint64_t rows);
// The dataset's own type, contiguous, `rows` rows, nothing written.
void replace_with_unwritten_contiguous(hid_t file, const std::string& dataset, std::uint64_t rows);
// The same number of rows of a table with one int64 field "x".
void replace_with_foreign_table(hid_t file, const std::string& dataset);

// A table rewritten with one field dropped, renamed or retyped, or without
// the fletcher32 filter; the other fields keep their values.
struct TableRewrite {
  const char* drop = nullptr;
  const char* rename_from = nullptr;
  const char* rename_to = nullptr;
  const char* retype = nullptr;
  hid_t new_type = H5I_INVALID_HID;
  bool drop_filters = false;
};
void rewrite_table(hid_t file, const std::string& dataset, const TableRewrite& how);

// Every attribute of src onto dst, types and values as they are.
void copy_attributes(hid_t src, hid_t dst);

// One random field of one random row of a random table, or one random
// attribute, set to a value drawn from the edge cases (±1, 0, the int32
// and int64 limits, row counts, NaN, non-ASCII text, ...).
void random_field_write(hid_t file, std::mt19937_64& rng);

}  // namespace flopwall::damage::edits
