#include "analysis/sections/job_section.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iterator>
#include <limits>

#include "analysis/rank_hosts.hpp"

namespace flopwall {
namespace {

// Rows of the placement table the text prints; JSON has every rank.
constexpr std::size_t k_text_ranks = 32;

std::optional<double> number(const std::string& text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

class JobSection final : public ReportSection {
 public:
  explicit JobSection(const ReportContext& context) : m_job(analyze_job(context)) {}

  std::string text() const override {
    std::string s;
    auto out = std::back_inserter(s);
    const auto value = [&](const char* key) {
      const std::string* v = find_value(m_job.slurm, key);
      return v ? *v : std::string();
    };
    if (value("slurm_job_id").empty()) {
      fmt::format_to(out, "\njob        not a SLURM job (no SLURM_JOB_ID); {} rank{} on {} node{}\n",
                     m_job.ranks.size(), m_job.ranks.size() == 1 ? "" : "s", m_job.nodes, m_job.nodes == 1 ? "" : "s");
    } else {
      std::string line = "SLURM job " + value("slurm_job_id");
      if (!value("slurm_array_job_id").empty())
        line += fmt::format(" (array {}_{})", value("slurm_array_job_id"), or_dash(value("slurm_array_task_id")));
      if (!value("slurm_step_id").empty()) line += " step " + value("slurm_step_id");
      if (!value("slurm_job_name").empty()) line += ", name " + value("slurm_job_name");
      if (!value("slurm_partition").empty()) line += ", partition " + value("slurm_partition");
      line += fmt::format("; nodes {} ({}), tasks per node {}", or_dash(value("slurm_nodelist")),
                          or_dash(value("slurm_nnodes")), or_dash(value("slurm_tasks_per_node")));
      fmt::format_to(out, "\njob        {}\n", line);
    }
    if (m_job.ranks.empty()) return s;
    fmt::format_to(out, "\nplacement\n {:>5} {:<20} {:>5} {:<12} {:<34} {}\n", "rank", "host", "local", "cpus",
                   "network", "device");
    for (std::size_t i = 0; i < std::min(m_job.ranks.size(), k_text_ranks); ++i) {
      const PlacedRank& r = m_job.ranks[i];
      fmt::format_to(out, " {:>5} {:<20} {:>5} {:<12} {:<34} {}\n", r.rank, r.hostname, r.local_rank,
                     or_dash(r.cpu_affinity), or_dash(r.network), r.device);
    }
    if (m_job.ranks.size() > k_text_ranks)
      fmt::format_to(out, "  … and {} more ranks (--format json lists every rank)\n", m_job.ranks.size() - k_text_ranks);
    return s;
  }

  void add_json(nlohmann::json& report) const override {
    nlohmann::json job = nlohmann::json::object();
    for (const auto& [k, v] : m_job.slurm) job[k] = v;
    job["scheduler"] = job.contains("slurm_job_id") ? "slurm" : "none";
    job["nodes"] = m_job.nodes;
    nlohmann::json ranks = nlohmann::json::array();
    for (const PlacedRank& r : m_job.ranks)
      ranks.push_back({{"rank", r.rank}, {"hostname", r.hostname}, {"local_rank", r.local_rank},
                       {"cpu_affinity", r.cpu_affinity}, {"device", r.device}, {"network", r.network}});
    job["placement"] = ranks;
    report["job"] = job;
  }

  // Figures only, as the long table holds: the numeric ids and counts. Node
  // lists, host names, CPU lists and interfaces are text, in text and JSON.
  void add_csv_rows(LongCsv& csv) const override {
    csv.row("job", "all", "nodes", m_job.nodes);
    for (const auto& [k, v] : m_job.slurm)
      if (const auto n = number(v)) csv.row("job", "slurm", k, *n);
    for (const PlacedRank& r : m_job.ranks) {
      const std::string key = std::to_string(r.rank);
      csv.row("placement", key, "local_rank", r.local_rank);
      csv.row("placement", key, "cpus", cpu_count(r.cpu_affinity));
      csv.row("placement", key, "fastest_link_mbps", fastest_link_mbps(r.network));
    }
  }

 private:
  JobFigures m_job;
};

}  // namespace

int cpu_count(const std::string& list) {
  int count = 0;
  std::size_t from = 0;
  while (from < list.size()) {
    const std::size_t comma = std::min(list.find(',', from), list.size());
    const std::string item = list.substr(from, comma - from);
    const std::size_t dash = item.find('-');
    int lo = 0, hi = 0;
    const auto parse = [](const std::string& t, int& v) {
      const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      return ec == std::errc() && end == t.data() + t.size() && v >= 0;
    };
    if (dash == std::string::npos ? !parse(item, lo) : !(parse(item.substr(0, dash), lo) && parse(item.substr(dash + 1), hi)))
      return 0;
    if (dash == std::string::npos) hi = lo;
    if (hi < lo) return 0;
    count += hi - lo + 1;
    from = comma + 1;
  }
  return count;
}

double fastest_link_mbps(const std::string& interfaces) {
  double best = std::numeric_limits<double>::quiet_NaN();
  std::size_t from = 0;
  while (from < interfaces.size()) {
    const std::size_t comma = std::min(interfaces.find(',', from), interfaces.size());
    const std::string item = interfaces.substr(from, comma - from);
    const std::size_t space = item.find(' '), unit = item.rfind(" Mb/s");
    if (space != std::string::npos && unit != std::string::npos && unit > space)
      if (const auto v = number(item.substr(space + 1, unit - space - 1)); v && !(*v <= best)) best = *v;
    from = comma + 1;
  }
  return best;
}

JobFigures analyze_job(const ReportContext& context) {
  const TraceData& trace = context.trace;
  JobFigures job;
  for (const auto& [k, v] : trace.header.meta)
    if (k.starts_with("slurm_")) job.slurm.emplace_back(k, v);
  for (const RankTrace& r : trace.ranks)
    job.ranks.push_back({.rank = r.rank, .hostname = r.info.hostname, .local_rank = r.info.local_rank,
                         .cpu_affinity = r.info.cpu_affinity, .device = r.info.device, .network = r.info.network});
  std::vector<std::string> hosts;
  add_distinct_hosts(trace.ranks, hosts);
  job.nodes = static_cast<int>(hosts.size());
  return job;
}

std::unique_ptr<ReportSection> make_job_section(const ReportContext& context) {
  return std::make_unique<JobSection>(context);
}

}  // namespace flopwall
