#include "cli/blas_probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>

#include "cli/child_process.hpp"
#include "platform/blas_kernel.hpp"

namespace flopwall {
namespace {

// How long a child may take: its timed loop, plus a warm-up call and start-up
// that at the largest size (8192³ on Prescott kernels, about 40 s) and on a
// loaded node take a while; a hung child is killed after this.
double child_deadline_s(double seconds) { return 120.0 + 2.0 * seconds; }

// The last line of a child's stderr that says something, for the error text.
std::string last_line(const std::string& text) {
  std::string_view rest(text);
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ')) rest.remove_suffix(1);
  const auto start = rest.rfind('\n');
  return std::string(start == std::string_view::npos ? rest : rest.substr(start + 1));
}

void read_figures(const ChildResult& child, BlasProbeResult& r) {
  const auto line_start = child.out.find('{');
  if (line_start == std::string::npos) {
    r.error = "gemm-probe printed no result";
    return;
  }
  const nlohmann::json line = nlohmann::json::parse(child.out.substr(line_start), nullptr, false);
  const bool well_formed = line.is_object() && line.contains("corename") && line["corename"].is_string() &&
                           line.contains("flops_per_s") && line["flops_per_s"].is_number() &&
                           line.contains("max_rel_error") && line["max_rel_error"].is_number();
  if (!well_formed) {
    r.error = "gemm-probe's result is not the JSON line it should print";
    return;
  }
  r.corename = line["corename"].get<std::string>();
  r.flops_per_s = line["flops_per_s"].get<double>();
  r.max_rel_error = line["max_rel_error"].get<double>();
  r.available = same_kernel(r.corename, r.kernel);
  r.correct = r.max_rel_error <= k_probe_max_rel_error;
}

BlasProbeResult probe_one(const std::string& exe, const std::string& kernel, double seconds, int size,
                          const std::vector<std::string>& base_environment) {
  BlasProbeResult r;
  r.kernel = kernel;
  std::vector<std::string> environment = base_environment;
  environment.push_back("OPENBLAS_CORETYPE=" + kernel);
  // One thread is all the probe uses; no pool of idle ones beside it.
  environment.push_back("OPENBLAS_NUM_THREADS=1");
  const ChildResult child = run_child(
      {exe, "gemm-probe", "--seconds", fmt::format("{}", seconds), "--size", std::to_string(size)}, environment,
      child_deadline_s(seconds));
  if (!child.spawn_error.empty())
    r.error = child.spawn_error;
  else if (child.timed_out)
    r.error = fmt::format("gemm-probe did not finish within {} s; killed", child_deadline_s(seconds));
  else if (child.signal != 0)
    r.error = fmt::format("gemm-probe was killed by signal {} ({})", child.signal, strsignal(child.signal));
  else if (child.exit_code != 0)
    r.error = fmt::format("gemm-probe exited with {}: {}", child.exit_code, last_line(child.err));
  else
    read_figures(child, r);
  return r;
}

}  // namespace

std::vector<BlasProbeResult> probe_blas_kernels(const std::string& exe, const std::vector<std::string>& kernels,
                                                double seconds, int size) {
  const std::vector<std::string> base =
      environment_without({"OMPI_", "PMIX_", "OPENBLAS_CORETYPE=", "OPENBLAS_NUM_THREADS="});
  std::vector<BlasProbeResult> results;
  for (const std::string& kernel : kernels) results.push_back(probe_one(exe, kernel, seconds, size, base));
  return results;
}

std::optional<std::string> fastest_correct(const std::vector<BlasProbeResult>& results) {
  const auto usable = [](const BlasProbeResult& r) { return r.error.empty() && r.available && r.correct; };
  double fastest = 0.0;
  for (const BlasProbeResult& r : results)
    if (usable(r)) fastest = std::max(fastest, r.flops_per_s);
  for (const BlasProbeResult& r : results)
    if (usable(r) && r.flops_per_s >= fastest * (1.0 - k_probe_rate_tie)) return r.kernel;
  return std::nullopt;
}

}  // namespace flopwall
