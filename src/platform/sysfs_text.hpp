#pragma once
// Reading the one-value files of /proc and sysfs. A file that is absent or
// that the kernel refuses to read (a virtual NIC's speed: EINVAL) gives
// std::nullopt, which the callers keep as "unknown".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flopwall {

// The file's first line without surrounding blanks.
std::optional<std::string> read_sysfs_line(const std::string& path);
// The file's first line as a whole decimal integer.
std::optional<std::int64_t> read_sysfs_int(const std::string& path);
// The whole file ("/proc/cpuinfo"); empty where it cannot be read.
std::string read_text_file(const std::string& path);

std::string_view trim_blanks(std::string_view text);
// `text`'s leading decimal number ("200 Gb/sec" → 200); nullopt where none.
std::optional<double> leading_number(std::string_view text);

}  // namespace flopwall
