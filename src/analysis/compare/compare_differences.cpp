#include "analysis/compare/compare_differences.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>

#include "analysis/trace_config.hpp"

namespace flopwall {
namespace {

// Values that name the job rather than describe it.
bool is_job_identity(std::string_view name) {
  static constexpr std::array<std::string_view, 9> prefixes{
      "SLURM_",  // every SLURM variable: ids, ports, node lists (nodes and ranks are compared on their own)
      "PMIX_", "OMPI_COMM_WORLD_", "OMPI_MCA_orte_", "OMPI_MCA_ess", "OMPI_FIRST_RANKS", "OMPI_FILE_LOCATION",
      "OMPI_MCA_initial_wdir", "OMPI_MCA_pmix"};
  static constexpr std::array<std::string_view, 8> names{
      "OMPI_ARGV", "OMPI_COMMAND", "OMPI_APP_CTX_NUM_PROCS", "OMPI_NUM_APP_CTX", "OMPI_UNIVERSE_SIZE",
      "OMPI_MCA_shmem_RUNTIME_QUERY_hint", "slurm_job_id", "slurm_step_id"};
  return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return name.starts_with(p); }) ||
         std::find(names.begin(), names.end(), name) != names.end() || name.starts_with("slurm_array_");
}

// The /meta keys that hold whole documents: compared through the keys that
// summarize them (host_*, library versions), not printed.
bool is_document(std::string_view key) { return key == "machine_json" || key == "calibration_json"; }

// A configuration key that names where the output went, not how it ran.
bool is_output_key(std::string_view key) { return key == "out" || key == "overwrite" || key == "config_file"; }

class Table {
 public:
  explicit Table(std::size_t runs) : m_runs(runs) {}
  void set(const std::string& what, std::size_t run, std::string value) {
    auto [it, added] = m_values.try_emplace(what, std::vector<std::string>(m_runs));
    if (added) m_order.push_back(what);
    it->second[run] = std::move(value);
  }
  // Those whose values are not all the same, in the order first set.
  std::vector<CompareDifference> differences() const {
    std::vector<CompareDifference> out;
    for (const std::string& what : m_order) {
      const auto& v = m_values.at(what);
      if (std::adjacent_find(v.begin(), v.end(), std::not_equal_to<>()) != v.end()) out.push_back({what, v});
    }
    return out;
  }

 private:
  std::size_t m_runs;
  std::vector<std::string> m_order;
  std::map<std::string, std::vector<std::string>> m_values;
};

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

std::vector<CompareDifference> run_differences(const std::vector<CompareRun>& runs) {
  Table table(runs.size());
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const CompareRun& run = runs[r];
    const TraceHeader& h = run.header;
    table.set("kind", r, run.kind);
    table.set("world_size", r, std::to_string(h.world_size));
    table.set("nodes", r, std::to_string(run.hosts.size()));
    table.set("hosts", r, joined(run.hosts));
    table.set("backend", r, h.backend);
    table.set("tool_version", r, h.tool_version);
  }
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const TraceConfig config = parse_trace_config(runs[r].header.config_json);
    if (config.document.is_object())
      for (const auto& [key, value] : config.document.items())
        if (!is_output_key(key)) table.set("config." + key, r, value.is_string() ? value.get<std::string>() : value.dump());
  }
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (const auto& [key, value] : runs[r].header.meta)
      if (!is_document(key) && !is_job_identity(key) && key != "tool_version") table.set("meta." + key, r, value);
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (const auto& [name, value] : runs[r].header.environment)
      if (!is_job_identity(name)) table.set("env." + name, r, value);
  return table.differences();
}

}  // namespace flopwall
