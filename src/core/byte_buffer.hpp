#pragma once
// Plain values in and out of a byte string: how the report's partial
// results travel between the processes of `mpirun -np K flopwall report`.
// Both ends are the same binary, so values go as their bytes.
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace flopwall {

class ByteWriter {
 public:
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const char*>(&v);
    m_bytes.append(p, sizeof v);
  }
  template <class T>
  void put_vector(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<std::uint64_t>(v.size());
    m_bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void put_string(const std::string& s) {
    put<std::uint64_t>(s.size());
    m_bytes += s;
  }
  const std::string& bytes() const noexcept { return m_bytes; }
  std::string take() noexcept { return std::move(m_bytes); }

 private:
  std::string m_bytes;
};

class ByteReader {
 public:
  explicit ByteReader(const std::string& bytes) : m_bytes(bytes) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    need(sizeof v);
    std::memcpy(&v, m_bytes.data() + m_at, sizeof v);
    m_at += sizeof v;
    return v;
  }
  template <class T>
  std::vector<T> get_vector() {
    const auto n = get<std::uint64_t>();
    if (n > (m_bytes.size() - m_at) / sizeof(T)) throw std::runtime_error("partial report results are cut short");
    std::vector<T> v(static_cast<std::size_t>(n));
    // An empty vector's data() may be null, which memcpy must never get.
    if (!v.empty()) std::memcpy(v.data(), m_bytes.data() + m_at, v.size() * sizeof(T));
    m_at += v.size() * sizeof(T);
    return v;
  }
  std::string get_string() {
    const auto n = get<std::uint64_t>();
    need(n);
    std::string s = m_bytes.substr(m_at, static_cast<std::size_t>(n));
    m_at += s.size();
    return s;
  }
  bool done() const noexcept { return m_at == m_bytes.size(); }

 private:
  void need(std::uint64_t n) const {
    if (n > m_bytes.size() - m_at) throw std::runtime_error("partial report results are cut short");
  }
  const std::string& m_bytes;
  std::size_t m_at = 0;
};

}  // namespace flopwall
