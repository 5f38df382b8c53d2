#include "cli/doctor_facts.hpp"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <exception>

#include "platform/blas_kernel.hpp"
#include "platform/host_info.hpp"
#include "platform/machine_json.hpp"
#include "runtime/clock_sync.hpp"
#include "runtime/machine_survey.hpp"
#include "runtime/run_metadata.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

std::vector<int> affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

std::vector<BlasProbeResult> probe_from_json(const json& j) {
  std::vector<BlasProbeResult> out;
  for (const json& p : j)
    out.push_back({.kernel = p.at("kernel"), .corename = p.at("corename"), .available = p.at("available"), .flops_per_s = p.at("flops_per_s"),
                   .max_rel_error = p.at("max_rel_error"), .correct = p.at("correct"), .error = p.at("error")});
  return out;
}

// What a node's first rank says about its node.
json node_facts_json(const std::string& exe, double probe_seconds) {
  NodeInventory node = read_this_node();
  std::vector<BlasProbeResult> probe;
  if (probe_seconds > 0 && !node.blas.chosen.empty()) {
    std::vector<std::string> kernels = openblas_candidate_kernels(node.cpu, node.blas.config);
    if (std::none_of(kernels.begin(), kernels.end(), [&](const std::string& k) { return same_kernel(k, node.blas.chosen); }))
      kernels.push_back(node.blas.chosen);
    probe = probe_blas_kernels(exe, kernels, probe_seconds, 1024);
  }
  return {{"inventory", inventory_to_json(node)},
          {"memory_available_bytes", host_available_memory_bytes()},
          {"probe", probe_to_json(probe)}};
}

}  // namespace

json probe_to_json(const std::vector<BlasProbeResult>& probe) {
  json out = json::array();
  for (const BlasProbeResult& p : probe)
    out.push_back({{"kernel", p.kernel}, {"corename", p.corename}, {"available", p.available},
                   {"flops_per_s", p.flops_per_s}, {"max_rel_error", p.max_rel_error}, {"correct", p.correct},
                   {"error", p.error}});
  return out;
}

std::vector<int> parse_cpu_list(const std::string& list) {
  std::vector<int> cpus;
  std::size_t at = 0;
  while (at < list.size()) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    const std::string piece = list.substr(at, comma - at);
    at = comma + 1;
    int first = 0, last = 0;
    const char* begin = piece.data();
    const char* end = begin + piece.size();
    auto [p, ec] = std::from_chars(begin, end, first);
    if (ec != std::errc{}) continue;
    last = first;
    if (p != end && *p == '-') {
      auto [q, ec2] = std::from_chars(p + 1, end, last);
      if (ec2 != std::errc{} || q != end) continue;
    } else if (p != end) {
      continue;
    }
    for (int c = first; c <= last && c - first < (1 << 16); ++c) cpus.push_back(c);
  }
  return cpus;
}

DoctorFacts gather_doctor_facts(const MpiEnvironment& mpi, const std::string& exe, double probe_seconds) {
  const ClockEstimate clock = estimate_clock_offset(MPI_COMM_WORLD);
  json mine = {{"rank", mpi.rank()}, {"hostname", mpi.hostname()}, {"local_rank", mpi.local_rank()},
               {"cpus", affinity_cpus()}, {"clock_error_ns", clock.error_ns}};
  if (mpi.local_rank() == 0) {
    json node;
    try {
      node = node_facts_json(exe, probe_seconds);
    } catch (const std::exception& e) {
      // The other nodes are still judged; this one is named with the reason.
      NodeInventory unknown;
      unknown.cpu.model = std::string("unknown (the inventory could not be read: ") + e.what() + ")";
      node = {{"inventory", inventory_to_json(unknown)}, {"memory_available_bytes", 0}, {"probe", json::array()}};
    }
    node["inventory"]["hostname"] = mpi.hostname();
    mine["node"] = std::move(node);
  }
  const std::vector<std::string> all = gather_strings(MPI_COMM_WORLD, mine.dump());
  DoctorFacts facts;
  if (mpi.rank() != 0) return facts;
  std::vector<json> reports;
  for (const std::string& text : all) reports.push_back(json::parse(text));
  // A node is the host of a rank that brought its facts (its first rank).
  std::vector<std::string> node_hosts;
  for (const json& r : reports)
    if (r.contains("node")) {
      const json& n = r.at("node");
      facts.nodes.push_back({.inventory = inventory_from_json(n.at("inventory")),
                             .memory_available_bytes = n.at("memory_available_bytes"),
                             .probe = probe_from_json(n.at("probe"))});
      node_hosts.push_back(r.at("hostname"));
    }
  for (const json& r : reports) {
    const auto node = std::find(node_hosts.begin(), node_hosts.end(), r.at("hostname").get<std::string>());
    const int index = node == node_hosts.end() ? -1 : static_cast<int>(node - node_hosts.begin());
    facts.ranks.push_back({.rank = r.at("rank"), .node = index,
                           .local_rank = r.at("local_rank"), .cpus = r.at("cpus"),
                           .clock_error_ns = r.at("clock_error_ns")});
  }
  facts.environment = captured_environment();
  return facts;
}

}  // namespace flopwall
