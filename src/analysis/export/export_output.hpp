#pragma once
// Where an export's bytes go: an open stream (a file the caller owns, or
// standard output), written in blocks of about 1 MiB gathered in a buffer,
// each write checked. Naming the file, and making sure a failed export
// leaves none behind, is the caller's part (cli/export_command.cpp).
#include <fmt/format.h>

#include <cstdio>
#include <string>

namespace flopwall {

class ExportOutput {
 public:
  static constexpr std::size_t k_block_bytes = std::size_t{1} << 20;

  // `what` names the destination in messages: "'run.trace.json'", "standard output".
  ExportOutput(std::FILE* file, std::string what) : m_file(file), m_what(std::move(what)) {}
  ExportOutput(const ExportOutput&) = delete;
  ExportOutput& operator=(const ExportOutput&) = delete;

  fmt::memory_buffer& buffer() noexcept { return m_buffer; }
  // Writes the buffer out once it holds a block.
  void maybe_flush() {
    if (m_buffer.size() >= k_block_bytes) flush();
  }
  // Writes out what is buffered; std::runtime_error "cannot write WHAT:
  // reason" when the stream refuses (a full disk, a file-size limit).
  void flush();
  // Writes the rest and flushes the stream, checked the same way.
  void finish();
  // The same message for a failure the caller finds (closing the file).
  [[noreturn]] void fail(int error) const;

 private:
  std::FILE* m_file;
  std::string m_what;
  fmt::memory_buffer m_buffer;
};

}  // namespace flopwall
