// `flopwall doctor`: checks a job's nodes before a long run (docs/doctor.md).
// Under mpirun or srun like every other command; rank 0 prints each finding
// with its severity and fix. Exit 0 when no finding is an error, else 1.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/doctor_checks.hpp"
#include "cli/doctor_facts.hpp"
#include "cli/mpi_job.hpp"
#include "core/error.hpp"
#include "platform/machine_json.hpp"

namespace flopwall {
namespace {

namespace po = boost::program_options;
using json = nlohmann::json;

struct DoctorOptions {
  std::string format = "text";
  double probe_seconds = 1.0;
  bool help = false;
  std::string help_text;
};

DoctorOptions parse_doctor_options(const std::vector<std::string>& args) {
  DoctorOptions o;
  po::options_description opts("Usage: [mpirun -np N] flopwall doctor [options]\n\nOptions");
  opts.add_options()("help,h", "show this help")("format", po::value(&o.format)->default_value("text"), "text | json")(
      "probe-seconds", po::value(&o.probe_seconds)->default_value(1.0),
      "seconds of 1-thread sgemm per candidate BLAS kernel, on each node's first rank; 0 skips the probe");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("flopwall doctor: {}; see 'flopwall doctor --help'", e.what()));
  }
  o.help = vm.count("help") > 0;
  o.help_text = (std::ostringstream() << opts).str();
  if (o.format != "text" && o.format != "json")
    throw UsageError(fmt::format("--format '{}' is not valid; valid: text, json", o.format));
  if (!(o.probe_seconds >= 0 && o.probe_seconds <= 60))
    throw UsageError(fmt::format("--probe-seconds {} is not valid; valid: 0 to 60", o.probe_seconds));
  return o;
}

int node_count_with_ranks(const DoctorFacts& facts) { return static_cast<int>(facts.nodes.size()); }

std::string text_report(const DoctorFacts& facts, const std::vector<Finding>& findings) {
  std::string s = fmt::format("flopwall doctor: {} rank{} on {} node{}\n", facts.ranks.size(),
                              facts.ranks.size() == 1 ? "" : "s", node_count_with_ranks(facts),
                              node_count_with_ranks(facts) == 1 ? "" : "s");
  for (const NodeFacts& n : facts.nodes)
    if (!n.probe.empty()) {
      s += fmt::format("  BLAS probe on {} (1-thread sgemm 1024³):", n.inventory.hostname);
      for (const BlasProbeResult& p : n.probe)
        s += p.available ? fmt::format(" {} {:.1f} GFLOP/s{};", p.kernel, p.flops_per_s / 1e9, p.correct ? "" : " WRONG")
                         : fmt::format(" {} not in this library;", p.kernel);
      s += "\n";
    }
  int counts[3] = {0, 0, 0};
  for (const Finding& f : findings) {
    ++counts[static_cast<int>(f.severity)];
    s += fmt::format("  {:<8} {:<20} {}: {}\n  {:<8} {:<20} fix: {}\n", severity_name(f.severity), f.check, f.where,
                     f.message, "", "", f.fix);
  }
  for (const char* status : {"passed", "not applicable"}) {
    std::string names;
    for (const DoctorCheck& c : doctor_checks())
      if (check_status(c, facts, findings) == status) names += (names.empty() ? "" : ", ") + std::string(c.name);
    if (!names.empty()) s += fmt::format("  {:<8} {}\n", status == std::string_view("passed") ? "ok" : "n/a", names);
  }
  s += fmt::format("{} error{}, {} warning{}, {} note{}\n", counts[2], counts[2] == 1 ? "" : "s", counts[1],
                   counts[1] == 1 ? "" : "s", counts[0], counts[0] == 1 ? "" : "s");
  return s;
}

json json_report(const DoctorFacts& facts, const std::vector<Finding>& findings, int exit_code) {
  json out = {{"ranks", facts.ranks.size()}, {"nodes", facts.nodes.size()}, {"exit_code", exit_code}};
  out["findings"] = json::array();
  for (const Finding& f : findings)
    out["findings"].push_back({{"check", f.check}, {"severity", severity_name(f.severity)}, {"where", f.where},
                               {"message", f.message}, {"fix", f.fix}});
  out["checks"] = json::array();
  for (const DoctorCheck& c : doctor_checks())
    out["checks"].push_back({{"name", c.name}, {"what", c.what}, {"status", check_status(c, facts, findings)}});
  out["probe"] = json::object();
  for (const NodeFacts& n : facts.nodes) out["probe"][n.inventory.hostname] = probe_to_json(n.probe);
  std::vector<NodeInventory> nodes;
  for (const NodeFacts& n : facts.nodes) nodes.push_back(n.inventory);
  out["machine"] = machine_to_json(group_node_classes(nodes));
  return out;
}

int doctor_job(const MpiEnvironment& mpi, const std::vector<std::string>& args) {
  DoctorOptions o;
  agreed(MPI_COMM_WORLD, [&] { o = parse_doctor_options(args); });
  if (o.help) {
    if (mpi.rank() == 0) std::cout << o.help_text;
    return k_exit_ok;
  }
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  const DoctorFacts facts = gather_doctor_facts(mpi, exe, o.probe_seconds);
  int exit_code = 0;
  if (mpi.rank() == 0) {
    const std::vector<Finding> findings = run_doctor_checks(facts);
    exit_code = std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.severity == Severity::error; })
                    ? 1
                    : 0;
    if (o.format == "json") std::cout << json_report(facts, findings, exit_code).dump(2) << '\n';
    else std::cout << text_report(facts, findings);
    std::cout.flush();
  }
  // Every rank leaves with rank 0's verdict, so mpirun's exit code is it.
  MPI_Bcast(&exit_code, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return exit_code;
}

}  // namespace

int doctor_command(int argc, char** argv, const std::vector<std::string>& args) {
  return run_mpi_job(argc, argv, [&](const MpiEnvironment& mpi, const std::string&) { return doctor_job(mpi, args); });
}

}  // namespace flopwall
