#include "trace/h5.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>
#include <vector>

namespace flopwall::h5 {
namespace {

// The first frame met on a walk of HDF5's error stack: the API call when
// walking downward, the deepest cause when walking upward.
herr_t keep_first_frame(unsigned n, const H5E_error2_t* err, void* out) {
  if (n == 0 && err && err->desc) *static_cast<H5E_error2_t*>(out) = *err;
  return 0;
}

H5E_error2_t first_frame(H5E_direction_t direction) {
  H5E_error2_t frame{};
  H5Ewalk2(H5E_DEFAULT, direction, keep_first_frame, &frame);
  return frame;
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

std::vector<Filter> filter_pipeline(hid_t dcpl, std::string_view what) {
  const int count = expect(H5Pget_nfilters(dcpl), std::string("cannot read the filters of ").append(what));
  std::vector<Filter> pipeline;
  for (int i = 0; i < count; ++i) {
    unsigned flags = 0, config = 0;
    std::size_t n_values = 8;
    std::array<unsigned, 8> values{};
    std::array<char, 64> name{};
    const H5Z_filter_t id = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &n_values, values.data(),
                                           name.size(), name.data(), &config);
    pipeline.push_back({id, {values.begin(), values.begin() + std::min(n_values, values.size())}});
  }
  return pipeline;
}

std::string innermost_error() {
  const H5E_error2_t cause = first_frame(H5E_WALK_UPWARD);
  return cause.desc ? cause.desc : "unknown HDF5 error";
}

std::string last_error() {
  const H5E_error2_t call = first_frame(H5E_WALK_DOWNWARD);
  if (!call.desc) return "unknown HDF5 error";
  std::string message = std::string(call.func_name) + ": " + call.desc;
  // The cause too ("No space left on device", a failed checksum), when deeper.
  if (const std::string cause = innermost_error(); cause != call.desc) message += " (" + cause + ")";
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

namespace {

// "the object's path", or "" for the root group or an object without a name.
std::string object_path(hid_t obj) {
  std::array<char, 256> path{};
  const ssize_t n = H5Iget_name(obj, path.data(), path.size());
  if (n <= 1) return "";
  return std::string(path.data(), std::min<std::size_t>(static_cast<std::size_t>(n), path.size() - 1));
}

// "attribute 'name' of /ranks/00003" (the root's attributes go without "of /").
std::string quoted(hid_t obj, const char* name) {
  const std::string where = object_path(obj);
  return std::string("attribute '") + name + "'" + (where.empty() ? "" : " of " + where);
}

// Opens an attribute and checks that it holds exactly one value of the class wanted.
Handle open_single_value(hid_t obj, const char* name, H5T_class_t wanted, Handle& type) {
  Handle attr(expect(H5Aopen(obj, name, H5P_DEFAULT), "cannot open " + quoted(obj, name)), H5Aclose);
  type = Handle(expect(H5Aget_type(attr), "cannot read the type of " + quoted(obj, name)), H5Tclose);
  const H5T_class_t found = H5Tget_class(type);
  if (found != wanted)
    throw std::runtime_error(quoted(obj, name) + " is " + type_class_name(found) + "; expected " +
                             type_class_name(wanted));
  Handle space(expect(H5Aget_space(attr), "cannot read the shape of " + quoted(obj, name)), H5Sclose);
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  if (points != 1)
    throw std::runtime_error(quoted(obj, name) + " holds " + std::to_string(points) + " values; expected one");
  return attr;
}

struct NameList {
  std::vector<std::string> names;
  std::size_t max_count;
};

herr_t collect_name(hid_t, const char* name, const H5A_info_t*, void* out) {
  auto* list = static_cast<NameList*>(out);
  if (list->names.size() == list->max_count) return 1;  // more than allowed: stop here
  list->names.emplace_back(name);
  return 0;
}

}  // namespace

std::string type_class_name(H5T_class_t type_class) {
  switch (type_class) {
    case H5T_INTEGER: return "an integer";
    case H5T_FLOAT: return "a float";
    case H5T_STRING: return "a string";
    case H5T_COMPOUND: return "a compound";
    case H5T_ARRAY: return "an array";
    case H5T_VLEN: return "a variable-length sequence";
    case H5T_ENUM: return "an enum";
    case H5T_OPAQUE: return "opaque";
    case H5T_REFERENCE: return "a reference";
    case H5T_BITFIELD: return "a bitfield";
    case H5T_TIME: return "a time";
    default: return "of an unknown type class";
  }
}

std::string read_string_attribute(hid_t obj, const char* name, std::uint64_t max_bytes) {
  Handle type;
  Handle attr = open_single_value(obj, name, H5T_STRING, type);
  if (H5Tis_variable_str(type) != 0)
    throw std::runtime_error(quoted(obj, name) + " is a variable-length string; traces store fixed-length strings");
  const std::size_t size = H5Tget_size(type);
  if (size == 0 || size > max_bytes)
    throw std::runtime_error(quoted(obj, name) + " declares " + std::to_string(size) + " bytes; at most " +
                             std::to_string(max_bytes) + " fit in this file");
  std::vector<char> buf(size + 1, '\0');
  expect(H5Aread(attr, type, buf.data()), "cannot read " + quoted(obj, name));
  return std::string(buf.data());
}

std::int64_t read_int_attribute(hid_t obj, const char* name) {
  Handle type;
  Handle attr = open_single_value(obj, name, H5T_INTEGER, type);
  std::int64_t value = 0;
  expect(H5Aread(attr, H5T_NATIVE_INT64, &value), "cannot read " + quoted(obj, name));
  return value;
}

AttributeClass attribute_class(hid_t obj, const char* name) {
  if (expect(H5Aexists(obj, name), "cannot look up " + quoted(obj, name)) == 0) return AttributeClass::missing;
  Handle attr(expect(H5Aopen(obj, name, H5P_DEFAULT), "cannot open " + quoted(obj, name)), H5Aclose);
  Handle type(expect(H5Aget_type(attr), "cannot read the type of " + quoted(obj, name)), H5Tclose);
  switch (H5Tget_class(type)) {
    case H5T_STRING: return AttributeClass::string;
    case H5T_INTEGER: return AttributeClass::integer;
    default: return AttributeClass::other;
  }
}

std::vector<std::string> attribute_names(hid_t obj, std::size_t max_count) {
  NameList list{.names = {}, .max_count = max_count};
  hsize_t idx = 0;
  const herr_t rc = H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &list);
  expect(rc, "cannot list the attributes" + (object_path(obj).empty() ? "" : " of " + object_path(obj)));
  if (rc > 0) throw std::runtime_error("more than " + std::to_string(max_count) + " attributes");
  return std::move(list.names);
}

LinkType link_type(hid_t parent, const char* name) {
  if (expect(H5Lexists(parent, name, H5P_DEFAULT), std::string("cannot look up '") + name + "'") == 0)
    return LinkType::missing;
  H5L_info_t info{};
  expect(H5Lget_info(parent, name, &info, H5P_DEFAULT), std::string("cannot read the link '") + name + "'");
  return info.type == H5L_TYPE_HARD ? LinkType::hard : LinkType::other;
}

}  // namespace flopwall::h5
