#include "trace/h5.hpp"

#include <stdexcept>
#include <vector>

namespace flopwall::h5 {
namespace {

herr_t keep_innermost(unsigned n, const H5E_error2_t* err, void* out) {
  if (n == 0 && err && err->desc) *static_cast<std::string*>(out) = std::string(err->func_name) + ": " + err->desc;
  return 0;
}

Handle scalar_space() { return Handle(FLOPWALL_H5_CHECK(H5Screate(H5S_SCALAR)), H5Sclose); }

Handle string_type(std::size_t length) {
  Handle t(FLOPWALL_H5_CHECK(H5Tcopy(H5T_C_S1)), H5Tclose);
  FLOPWALL_H5_CHECK(H5Tset_size(t, length == 0 ? 1 : length));
  FLOPWALL_H5_CHECK(H5Tset_strpad(t, H5T_STR_NULLPAD));
  FLOPWALL_H5_CHECK(H5Tset_cset(t, H5T_CSET_UTF8));
  return t;
}

}  // namespace

std::string last_error() {
  std::string message = "unknown HDF5 error";
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keep_innermost, &message);
  return message;
}

void silence_errors() noexcept { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

void throw_failure(const char* file, int line, const char* call) {
  throw std::runtime_error(failure_message(file, line, call, last_error()));
}

Handle fixed_string_type(std::size_t size) {
  Handle t(FLOPWALL_H5_CHECK(H5Tcopy(H5T_C_S1)), H5Tclose);
  FLOPWALL_H5_CHECK(H5Tset_size(t, size));
  FLOPWALL_H5_CHECK(H5Tset_strpad(t, H5T_STR_NULLTERM));
  return t;
}

void write_attribute(hid_t obj, const char* name, std::string_view value) {
  Handle type = string_type(value.size());
  Handle space = scalar_space();
  Handle attr(FLOPWALL_H5_CHECK(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)), H5Aclose);
  // Fixed-length strings of exactly the value's size; an empty value is one NUL.
  std::string padded(value);
  if (padded.empty()) padded.push_back('\0');
  FLOPWALL_H5_CHECK(H5Awrite(attr, type, padded.data()));
}

void write_attribute(hid_t obj, const char* name, std::int64_t value) {
  Handle space = scalar_space();
  if (H5Aexists(obj, name) > 0) {
    Handle attr(FLOPWALL_H5_CHECK(H5Aopen(obj, name, H5P_DEFAULT)), H5Aclose);
    FLOPWALL_H5_CHECK(H5Awrite(attr, H5T_NATIVE_INT64, &value));
    return;
  }
  Handle attr(FLOPWALL_H5_CHECK(H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT)),
              H5Aclose);
  FLOPWALL_H5_CHECK(H5Awrite(attr, H5T_NATIVE_INT64, &value));
}

bool has_attribute(hid_t obj, const char* name) { return FLOPWALL_H5_CHECK(H5Aexists(obj, name)) > 0; }

std::string read_string_attribute(hid_t obj, const char* name) {
  Handle attr(FLOPWALL_H5_CHECK(H5Aopen(obj, name, H5P_DEFAULT)), H5Aclose);
  Handle type(FLOPWALL_H5_CHECK(H5Aget_type(attr)), H5Tclose);
  if (H5Tget_class(type) != H5T_STRING) throw std::runtime_error(std::string("attribute ") + name + " is not a string");
  if (H5Tis_variable_str(type) > 0) {
    char* value = nullptr;
    Handle mem = string_type(1);
    FLOPWALL_H5_CHECK(H5Tset_size(mem, H5T_VARIABLE));
    FLOPWALL_H5_CHECK(H5Aread(attr, mem, &value));
    std::string out = value ? value : "";
    H5free_memory(value);
    return out;
  }
  const std::size_t size = H5Tget_size(type);
  std::vector<char> buf(size + 1, '\0');
  FLOPWALL_H5_CHECK(H5Aread(attr, type, buf.data()));
  return std::string(buf.data());
}

std::int64_t read_int_attribute(hid_t obj, const char* name) {
  Handle attr(FLOPWALL_H5_CHECK(H5Aopen(obj, name, H5P_DEFAULT)), H5Aclose);
  std::int64_t value = 0;
  FLOPWALL_H5_CHECK(H5Aread(attr, H5T_NATIVE_INT64, &value));
  return value;
}

}  // namespace flopwall::h5
