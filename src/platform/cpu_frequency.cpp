// read_cpu_frequency (node_inventory.hpp): cpufreq of cpu0 and the base
// frequency, from the most to the least direct source.
#include <string>

#include "platform/node_inventory.hpp"
#include "platform/sysfs_text.hpp"

namespace flopwall {
namespace {

// The "@ 2.10GHz" of an Intel model name, in MHz; 0 where the name has none
// (AMD names do not carry the base frequency).
double model_name_mhz(std::string_view model_name) {
  const auto at = model_name.rfind('@');
  if (at == std::string_view::npos) return 0.0;
  std::string_view rest = trim_blanks(model_name.substr(at + 1));
  const auto value = leading_number(rest);
  if (!value || *value <= 0.0) return 0.0;
  const auto unit = rest.find_first_of("GMgm");
  if (unit == std::string_view::npos) return 0.0;
  const std::string_view suffix = rest.substr(unit);
  if (suffix.starts_with("GHz")) return *value * 1000.0;
  if (suffix.starts_with("MHz")) return *value;
  return 0.0;
}

// A cpufreq file in kHz, as MHz; 0 where absent.
double cpufreq_mhz(const std::string& path) {
  const auto khz = read_sysfs_int(path);
  return khz && *khz > 0 ? static_cast<double>(*khz) / 1000.0 : 0.0;
}

}  // namespace

CpuFrequency read_cpu_frequency(const InventoryRoots& roots, std::string_view model_name, double cpuinfo_mean_mhz) {
  const std::string cpufreq = roots.sys + "/devices/system/cpu/cpu0/cpufreq/";
  CpuFrequency frequency;
  frequency.governor = read_sysfs_line(cpufreq + "scaling_governor").value_or("");
  frequency.driver = read_sysfs_line(cpufreq + "scaling_driver").value_or("");
  frequency.max_mhz = cpufreq_mhz(cpufreq + "cpuinfo_max_freq");
  frequency.current_mhz = cpuinfo_mean_mhz;

  // intel_pstate writes the base (non-turbo) frequency; cpuinfo_max_freq is
  // the turbo maximum there, and a base only where the driver has no turbo
  // (acpi-cpufreq with boost off), hence its place after the model name.
  if (const double base = cpufreq_mhz(cpufreq + "base_frequency"); base > 0.0) {
    frequency.nominal_mhz = base;
    frequency.nominal_source = "sysfs base_frequency";
  } else if (const double named = model_name_mhz(model_name); named > 0.0) {
    frequency.nominal_mhz = named;
    frequency.nominal_source = "model name";
  } else if (frequency.max_mhz > 0.0) {
    frequency.nominal_mhz = frequency.max_mhz;
    frequency.nominal_source = "cpufreq max";
  } else if (frequency.current_mhz > 0.0) {
    // Without cpufreq (most virtual machines) the kernel's "cpu MHz" is the
    // TSC or hypervisor-reported frequency: the only figure there is.
    frequency.nominal_mhz = frequency.current_mhz;
    frequency.nominal_source = "cpuinfo cpu MHz";
  }
  return frequency;
}

}  // namespace flopwall
