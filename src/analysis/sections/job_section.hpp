#pragma once
// The job a trace came from and where each rank ran: the SLURM job, array
// and step ids, node list and tasks per node (/meta slurm_*), and per rank
// its host, local rank, CPU affinity, device and network interfaces (the
// ranks' attributes).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/report_section.hpp"
#include "core/key_values.hpp"

namespace flopwall {

struct PlacedRank {
  int rank = 0;
  std::string hostname;
  int local_rank = 0;
  std::string cpu_affinity;  // "" where the trace does not tell
  std::string device;
  std::string network;
};

struct JobFigures {
  KeyValues slurm;  // the /meta slurm_* keys present, in /meta order
  std::vector<PlacedRank> ranks;
  int nodes = 0;  // distinct host names among the ranks
};

JobFigures analyze_job(const ReportContext& context);
std::unique_ptr<ReportSection> make_job_section(const ReportContext& context);

// The CPUs a CPU list ("0-3,8") names; 0 for an empty or unreadable one.
int cpu_count(const std::string& list);
// The fastest link of an interface list ("eth0 25000 Mb/s,ib0 ?"), Mb/s; NaN where none is told.
double fastest_link_mbps(const std::string& interfaces);

}  // namespace flopwall
