#include "analysis/export/export_output.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace flopwall {

void ExportOutput::fail(int error) const {
  throw std::runtime_error(fmt::format("cannot write {}: {}", m_what, std::strerror(error ? error : EIO)));
}

void ExportOutput::flush() {
  if (m_buffer.size() == 0) return;
  errno = 0;
  if (std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_file) != m_buffer.size()) fail(errno);
  m_buffer.clear();
}

void ExportOutput::finish() {
  flush();
  errno = 0;
  if (std::fflush(m_file) != 0 || std::ferror(m_file)) fail(errno);
}

}  // namespace flopwall
