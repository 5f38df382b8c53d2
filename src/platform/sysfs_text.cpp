#include "platform/sysfs_text.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace flopwall {

std::string_view trim_blanks(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::optional<std::string> read_sysfs_line(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  // A directory opens but does not read; sysfs attributes the driver does
  // not support fail at the read, not the open.
  if (!file || !std::getline(file, line)) return std::nullopt;
  return std::string(trim_blanks(line));
}

std::optional<std::int64_t> read_sysfs_int(const std::string& path) {
  const auto line = read_sysfs_line(path);
  if (!line || line->empty()) return std::nullopt;
  std::int64_t value = 0;
  const char* end = line->data() + line->size();
  const auto [ptr, ec] = std::from_chars(line->data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string read_text_file(const std::string& path) {
  // /proc files report a size of 0: read the stream, not the size.
  std::ifstream file(path);
  if (!file) return {};
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::optional<double> leading_number(std::string_view text) {
  text = trim_blanks(text);
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data()) return std::nullopt;
  return value;
}

}  // namespace flopwall
