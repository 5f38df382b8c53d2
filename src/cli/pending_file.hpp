#pragma once
// An output file written under a temporary name beside its own
// (trace/output_file.hpp) and renamed over it once whole: until publish(),
// a failure (a full disk, damage found half-way through a trace) removes
// it, so no file under the name asked for claims to be complete. Used by
// `flopwall export` and `flopwall report --out`.
#include <cstdio>
#include <string>

namespace flopwall {

class PendingFile {
 public:
  // UsageError when no file can be made beside `path`.
  explicit PendingFile(const std::string& path);
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  ~PendingFile();

  // Unbuffered: callers write whole blocks.
  std::FILE* file() const noexcept { return m_file; }
  // Closes the file (a full disk may show only now) and gives it its name;
  // std::runtime_error "cannot write 'PATH': reason" when either fails.
  void publish();

 private:
  std::string m_path, m_temp;
  std::FILE* m_file = nullptr;
  bool m_published = false;
};

}  // namespace flopwall
