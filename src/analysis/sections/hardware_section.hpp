#pragma once
// Hardware and software: the devices the ranks ran on and the build's
// versions, from the ranks' attributes and /meta.
#include <memory>
#include <string>
#include <vector>

#include "analysis/report_section.hpp"
#include "core/key_values.hpp"

namespace flopwall {

struct RankDevice {
  int rank = 0;
  std::string device;
  std::string hostname;
};

struct HardwareAndSoftware {
  std::vector<RankDevice> devices;  // a rank whose device differs from the previous rank's
  KeyValues versions;               // the text report's /meta keys, "unknown" where absent
  KeyValues meta;                   // all of /meta
};

HardwareAndSoftware analyze_hardware(const ReportContext& context);
std::unique_ptr<ReportSection> make_hardware_section(const ReportContext& context);

}  // namespace flopwall
