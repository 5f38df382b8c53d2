#include "cli/pending_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/error.hpp"
#include "trace/output_file.hpp"

namespace flopwall {

PendingFile::PendingFile(const std::string& path) : m_path(path) {
  try {
    m_temp = create_exclusive_temp(path);
  } catch (const std::exception& e) {
    throw UsageError(
        fmt::format("cannot create a file beside --out '{}': {}; give --out in a folder you can write", path, e.what()));
  }
  m_file = std::fopen(m_temp.c_str(), "wb");
  if (!m_file) {
    const int error = errno;
    unlink(m_temp.c_str());
    throw UsageError(fmt::format("cannot open '{}': {}", m_temp, std::strerror(error)));
  }
  // Blocks go out whole; stdio's buffer would only copy them again.
  std::setvbuf(m_file, nullptr, _IONBF, 0);
}

PendingFile::~PendingFile() {
  if (m_file) std::fclose(m_file);
  if (!m_published) unlink(m_temp.c_str());
}

void PendingFile::publish() {
  std::FILE* f = m_file;
  m_file = nullptr;
  errno = 0;
  if (std::fclose(f) != 0)
    throw std::runtime_error(fmt::format("cannot write '{}': {}", m_path, std::strerror(errno ? errno : EIO)));
  try {
    publish_file(m_temp, m_path, /*overwrite=*/true);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("cannot give '{}' its name: {}", m_path, e.what()));
  }
  m_published = true;
}

}  // namespace flopwall
