#include "analysis/sections/hardware_section.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace flopwall {
namespace {

std::string meta_value(const KeyValues& kv, const std::string& key) {
  const std::string* value = find_value(kv, key);
  return value ? *value : "unknown";
}

class HardwareSection final : public ReportSection {
 public:
  explicit HardwareSection(const ReportContext& context) : m_hardware(analyze_hardware(context)) {}

  std::string text() const override {
    std::string s;
    auto out = std::back_inserter(s);
    fmt::format_to(out, "\nhardware and software\n");
    for (const RankDevice& d : m_hardware.devices)
      fmt::format_to(out, "  rank {:<5} {} on {}\n", d.rank, d.device, d.hostname);
    for (const auto& [key, value] : m_hardware.versions) fmt::format_to(out, "  {:<14} {}\n", key, value);
    return s;
  }

  void add_json(nlohmann::json& report) const override {
    nlohmann::json meta = nlohmann::json::object();
    // The machine description is the `machine` object, parsed (machine_section.cpp);
    // the calibration is read into the `roofline` and `machine.peaks` figures.
    for (const auto& [k, v] : m_hardware.meta)
      if (k != "machine_json" && k != "calibration_json") meta[k] = v;
    report["meta"] = meta;
  }

  // Versions are text, not figures; the JSON's `meta` carries them.
  void add_csv_rows(LongCsv&) const override {}

 private:
  HardwareAndSoftware m_hardware;
};

}  // namespace

HardwareAndSoftware analyze_hardware(const ReportContext& context) {
  const TraceData& trace = context.trace;
  HardwareAndSoftware hw{.meta = trace.header.meta};
  std::string last_device;
  for (const RankTrace& rank : trace.ranks)
    if (rank.info.device != last_device) {
      hw.devices.push_back({.rank = rank.rank, .device = rank.info.device, .hostname = rank.info.hostname});
      last_device = rank.info.device;
    }
  for (const char* key : {"tool_version", "git_revision", "mpi_library", "hdf5", "openblas", "compiler"})
    hw.versions.emplace_back(key, meta_value(trace.header.meta, key));
  // The libraries of the backend the run used, as its row of the backends
  // table named them (/meta backend_libraries, e.g. the CUDA stack).
  std::string libraries = meta_value(trace.header.meta, "backend_libraries");
  if (libraries == "unknown") libraries.clear();  // traces from before the key
  for (std::size_t at = 0; at < libraries.size();) {
    const std::size_t comma = std::min(libraries.find(',', at), libraries.size());
    const std::string key = libraries.substr(at, comma - at);
    if (!key.empty()) hw.versions.emplace_back(key, meta_value(trace.header.meta, key));
    at = comma + 1;
  }
  return hw;
}

std::unique_ptr<ReportSection> make_hardware_section(const ReportContext& context) {
  return std::make_unique<HardwareSection>(context);
}

}  // namespace flopwall
