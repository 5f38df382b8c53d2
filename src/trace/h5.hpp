#pragma once
// HDF5 handles owned by move-only RAII objects, a check macro that turns a
// negative return into an exception, and typed attribute helpers.
#include <hdf5.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace flopwall::h5 {

// The failed API call and its message on HDF5's error stack, with the
// deepest cause appended when it differs (automatic printing is off).
std::string last_error();
// Turns off HDF5's own stderr dump; our exceptions carry the message.
void silence_errors() noexcept;

class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) noexcept : m_id(id), m_closer(closer) {}
  Handle(Handle&& o) noexcept : m_id(o.m_id), m_closer(o.m_closer) { o.m_id = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      m_id = o.m_id;
      m_closer = o.m_closer;
      o.m_id = H5I_INVALID_HID;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const noexcept { return m_id; }
  operator hid_t() const noexcept { return m_id; }  // NOLINT: handles pass straight to the C API
  void reset() noexcept {
    if (m_id >= 0 && m_closer) static_cast<void>(m_closer(m_id));
    m_id = H5I_INVALID_HID;
  }
  // Gives up ownership without closing: a parallel file whose write failed
  // on one rank must not be closed there, since closing is collective and
  // the peers are stuck elsewhere; the job is ended instead.
  void abandon() noexcept { m_id = H5I_INVALID_HID; }

 private:
  hid_t m_id = H5I_INVALID_HID;
  Closer m_closer = nullptr;
};

// A NUL-terminated fixed-length string type of `size` bytes, for table fields.
Handle fixed_string_type(std::size_t size);

[[noreturn]] void throw_failure(const char* file, int line, const char* call);

void write_attribute(hid_t obj, const char* name, std::string_view value);
void write_attribute(hid_t obj, const char* name, std::int64_t value);
bool has_attribute(hid_t obj, const char* name);

// Read helpers for files nobody vouches for: each checks what is stored
// before it reads, and every failure is a std::runtime_error with a plain
// one-line message (no file:line), since it ends up in front of the user.

// The description of the deepest frame on HDF5's error stack: the cause
// ("data error detected by Fletcher32 checksum"), not the API call.
std::string innermost_error();
// Throws "what: <the cause>" when rc is negative.
template <class T>
T expect(T rc, std::string_view what) {
  if (rc < 0) throw std::runtime_error(std::string(what) + ": " + innermost_error());
  return rc;
}
// One stage of a dataset's filter pipeline: its id and its client values
// (the shuffle's element size, the deflate level), in pipeline order.
struct Filter {
  H5Z_filter_t id;
  std::vector<unsigned> values;
};
// The pipeline of a dataset creation property list; "what: <cause>" on failure.
std::vector<Filter> filter_pipeline(hid_t dcpl, std::string_view what);
// A scalar, fixed-length string attribute of at most max_bytes bytes, up to
// its first NUL. Variable-length strings are refused: traces never hold
// them, and HDF5 reads them from the unchecksummed global heap.
std::string read_string_attribute(hid_t obj, const char* name, std::uint64_t max_bytes = 1u << 26);
// A scalar integer attribute of any width and sign, as int64.
std::int64_t read_int_attribute(hid_t obj, const char* name);
// Whether the attribute is stored as a string or an integer (nothing else is
// read as either); `missing` when there is none by that name.
enum class AttributeClass { missing, string, integer, other };
AttributeClass attribute_class(hid_t obj, const char* name);
// The names of obj's attributes in name order; more than max_count throws.
std::vector<std::string> attribute_names(hid_t obj, std::size_t max_count);
// How `name` is linked from `parent`: soft and external links are never
// followed by the reader (an external link would open another file).
enum class LinkType { missing, hard, other };
LinkType link_type(hid_t parent, const char* name);
// HDF5's name for a datatype class ("integer", "string", ...), for messages.
std::string type_class_name(H5T_class_t type_class);

}  // namespace flopwall::h5

// Evaluates an HDF5 call; a negative result (hid_t or herr_t) throws.
#define FLOPWALL_H5_CHECK(call)                                                             \
  ([&]() {                                                                                  \
    auto flopwall_h5_rc_ = (call);                                                          \
    if (flopwall_h5_rc_ < 0) ::flopwall::h5::throw_failure(__FILE__, __LINE__, #call);      \
    return flopwall_h5_rc_;                                                                 \
  }())
