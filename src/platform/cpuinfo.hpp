#pragma once
// The fields of /proc/cpuinfo the node inventory reads. The file repeats a
// block per logical CPU; the identity fields are taken from the first block,
// "cpu MHz" is averaged over all of them.
#include <string>
#include <string_view>

namespace flopwall {

struct CpuinfoFields {
  std::string model_name;   // x86 "model name"
  std::string vendor_id;    // x86 "vendor_id"
  std::string implementer;  // aarch64 "CPU implementer" ("0x41"), kept undecoded
  std::string part;         // aarch64 "CPU part" ("0xd4f"), kept undecoded
  std::string flags;        // x86 "flags" or aarch64 "Features"
  double mean_mhz = 0.0;    // mean "cpu MHz"; 0 where no block has one
};

CpuinfoFields parse_cpuinfo(std::string_view text);

}  // namespace flopwall
