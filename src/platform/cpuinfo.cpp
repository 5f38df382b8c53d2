#include "platform/cpuinfo.hpp"

#include "platform/sysfs_text.hpp"

namespace flopwall {
namespace {

void keep_first(std::string& field, std::string_view value) {
  if (field.empty()) field = std::string(value);
}

}  // namespace

CpuinfoFields parse_cpuinfo(std::string_view text) {
  CpuinfoFields fields;
  double mhz_sum = 0.0;
  int mhz_count = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = trim_blanks(line.substr(0, colon));
    const std::string_view value = trim_blanks(line.substr(colon + 1));
    if (key == "model name") keep_first(fields.model_name, value);
    else if (key == "vendor_id") keep_first(fields.vendor_id, value);
    else if (key == "CPU implementer") keep_first(fields.implementer, value);
    else if (key == "CPU part") keep_first(fields.part, value);
    else if (key == "flags" || key == "Features") keep_first(fields.flags, value);
    else if (key == "cpu MHz") {
      if (const auto mhz = leading_number(value)) {
        mhz_sum += *mhz;
        ++mhz_count;
      }
    }
  }
  if (mhz_count > 0) fields.mean_mhz = mhz_sum / mhz_count;
  return fields;
}

}  // namespace flopwall
