#include "platform/mpi_transports.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "platform/sysfs_text.hpp"

namespace flopwall {
namespace {

// "mca_btl_vader.so" with prefix "mca_btl_" → "vader"; empty where the
// basename is not such a component (libmca_common_ucx.so, libmpi.so, …).
std::string component_name(std::string_view basename, std::string_view prefix) {
  constexpr std::string_view suffix = ".so";
  if (!basename.starts_with(prefix) || !basename.ends_with(suffix)) return "";
  return std::string(basename.substr(prefix.size(), basename.size() - prefix.size() - suffix.size()));
}

void sort_unique(std::vector<std::string>& names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

}  // namespace

MpiTransports parse_loaded_transports(std::string_view proc_maps_text) {
  MpiTransports transports;
  while (!proc_maps_text.empty()) {
    const auto end = proc_maps_text.find('\n');
    std::string_view line = trim_blanks(proc_maps_text.substr(0, end));
    proc_maps_text = end == std::string_view::npos ? std::string_view{} : proc_maps_text.substr(end + 1);
    // The path is the last field; a mapping of a file is listed once per segment.
    const auto slash = line.rfind('/');
    if (slash == std::string_view::npos) continue;
    const std::string_view basename = line.substr(slash + 1);
    const std::pair<std::string_view, std::vector<std::string>*> kinds[] = {
        {"mca_pml_", &transports.pml}, {"mca_btl_", &transports.btl}, {"mca_mtl_", &transports.mtl}};
    for (const auto& [prefix, names] : kinds) {
      if (std::string name = component_name(basename, prefix); !name.empty()) names->push_back(std::move(name));
    }
  }
  sort_unique(transports.pml);
  sort_unique(transports.btl);
  sort_unique(transports.mtl);
  return transports;
}

MpiTransports loaded_mpi_transports() { return parse_loaded_transports(read_text_file("/proc/self/maps")); }

}  // namespace flopwall
