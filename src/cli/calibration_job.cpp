#include "cli/calibration_job.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/units.hpp"
#include "runtime/backends.hpp"
#include "runtime/device_calibration_job.hpp"
#include "runtime/run_metadata.hpp"
#include "sweep/calibration_tiers.hpp"

namespace flopwall {
namespace {

// A calibration of 100 000 ranks is about 30 MB; a file far past that is not one.
constexpr std::uintmax_t k_max_calibration_bytes = 256ull << 20;

std::optional<std::string> read_file(const std::string& path, std::string& text) {
  namespace fs = std::filesystem;
  const auto bad = [&](const std::string& why) {
    return fmt::format("--calibration '{}' {}; give a JSON file written by 'flopwall calibrate --out'", path, why);
  };
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return bad("cannot be read");
  if (!fs::is_regular_file(status)) return bad("is not a regular file");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > k_max_calibration_bytes) return bad(fmt::format("is {} bytes, more than a calibration", size));
  std::ifstream file(path, std::ios::binary);
  std::ostringstream all;
  all << file.rdbuf();
  if (!file) return bad("cannot be read");
  text = all.str();
  return std::nullopt;
}

std::optional<std::string> job_problem(const Calibration& c, const std::string& path, int world_size,
                                       const std::string& backend, DType dtype) {
  if (static_cast<int>(c.devices.size()) != world_size)
    return fmt::format("--calibration '{}' was measured on {} ranks; this job has {}: calibrate with the same "
                       "number of ranks", path, c.devices.size(), world_size);
  if (c.backend != backend)
    return fmt::format("--calibration '{}' was measured on the {} backend; this run uses {}", path, c.backend, backend);
  for (const CalibrationDevice& d : c.devices)
    if (!d.gemm_flops.contains(std::string(dtype_name(dtype))))
      return fmt::format("--calibration '{}' has no {} GEMM rate for rank {}; calibrate with --dtype {}", path,
                         dtype_name(dtype), d.rank, dtype_name(dtype));
  return std::nullopt;
}

}  // namespace

Calibration measure_calibration(const CalibrationSettings& s, const MpiEnvironment& mpi,
                                std::vector<std::string>& notes) {
  Calibration c{.source = s.source, .created_utc = utc_timestamp_iso(), .backend = s.backend};
  CalibrationRequest request{.dtypes = s.dtypes, .threads = s.threads, .seconds = s.seconds,
                             .max_gemm_n = s.short_run ? k_run_calibration_max_gemm_n : 0, .timeout_s = s.timeout_s};
  c.devices = calibrate_devices(backend_named(s.backend), request, mpi);
  c.tiers = calibrate_tiers({.backend = s.backend, .short_run = s.short_run, .timeout_s = s.timeout_s}, mpi, notes);
  if (mpi.size() == 1) notes.push_back("one rank: no communicator tier to calibrate");
  if (mpi.rank() == 0) validate_calibration(c);
  return c;
}

std::string calibration_summary(const Calibration& c) {
  std::string s = fmt::format("calibration ({}, {} backend, {} rank{}):\n", c.source, c.backend, c.devices.size(),
                              c.devices.size() == 1 ? "" : "s");
  for (const CalibrationDevice& d : c.devices) {
    std::string rates;
    for (const auto& [dtype, flops] : d.gemm_flops)
      rates += fmt::format("{}{} {}", rates.empty() ? "" : ", ", dtype, units::flop_rate(flops));
    s += fmt::format("  rank {} ({}, {} thread{}): GEMM {}³: {}; triad {}/s over {}; smallest op {}\n", d.rank, d.host,
                     d.threads, d.threads == 1 ? "" : "s", d.gemm_n, rates, units::bytes(d.mem_bw_bytes_per_s),
                     units::bytes(static_cast<double>(d.triad_bytes)), units::seconds(d.op_overhead_s));
  }
  for (const CalibrationTier& t : c.tiers)
    s += fmt::format("  tier {} ({} ranks): {} alpha {}, beta {:.3g} s/B, busbw {}/s\n", t.tier, t.ranks, t.collective,
                     units::seconds(t.alpha_s), t.beta_s_per_byte,
                     t.busbw_bytes_per_s > 0 ? units::bytes(t.busbw_bytes_per_s) : std::string("not resolved"));
  return s;
}

Calibration load_calibration_file(const std::string& path, int world_size, const std::string& backend, DType dtype) {
  std::string text;
  std::optional<std::string> problem;
  if (process_rank() <= 0) problem = read_file(path, text);
  agree_on_usage_error(MPI_COMM_WORLD, problem);
  text = broadcast_string(MPI_COMM_WORLD, text);
  Calibration c;
  try {
    c = parse_calibration(text);
    problem = job_problem(c, path, world_size, backend, dtype);
  } catch (const CalibrationError& e) {
    problem = fmt::format("--calibration '{}': {}", path, e.what());
  }
  agree_on_usage_error(MPI_COMM_WORLD, problem);
  c.source = "file";
  c.file = path;
  return c;
}

}  // namespace flopwall
