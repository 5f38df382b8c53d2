#pragma once
// A calibration: the ceilings a run's figures are read against, measured on
// the job's own devices and communicators. `flopwall calibrate` writes it as
// a JSON file; `flopwall run` stores it as the /meta key calibration_json;
// the report reads it back. This is its one data model and its one parser
// (docs/trace-format.md, "calibration_json", gives the schema).
//
// Parsing is strict about what the schema names (a missing key, a wrong
// type, a value out of range is a CalibrationError of one line naming the
// key) and ignores keys it does not know, so a newer writer's additions do
// not break an older reader.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace flopwall {

inline constexpr int k_calibration_version = 1;

// One rank's device, measured by its backend.
struct CalibrationDevice {
  int rank = 0;
  std::string host;
  int threads = 1;                             // OpenBLAS threads per rank (cpu); 1 on cuda
  std::map<std::string, double> gemm_flops;    // dtype name (as --dtype spells it) → FLOP/s; only dtypes measured
  std::int64_t gemm_n = 0;                     // the square GEMM size
  double mem_bw_bytes_per_s = 0;               // streaming triad a = b + s·c, 3 arrays counted
  std::int64_t triad_bytes = 0;                // bytes of the three triad arrays together
  double op_overhead_s = 0;                    // time of the smallest device op
};

// One communicator tier's fit of one collective (allreduce, alltoall):
// time = alpha + beta · bytes, bytes the payload per rank.
struct CalibrationTier {
  std::string tier;                 // "world", "intra", "inter"
  int ranks = 0;                    // ranks in one communicator of the tier
  std::string collective = "allreduce";  // or "alltoall"; one entry per (tier, collective)
  double alpha_s = 0;
  double beta_s_per_byte = 0;       // 0: the fit found no bandwidth term
  double busbw_bytes_per_s = 0;     // busbw factor / beta; 0 when beta is 0
};

struct Calibration {
  int version = k_calibration_version;
  std::string source;       // "calibrate", "run-short" or "file"
  std::string file;         // the file it came from; only when source is "file"
  std::string created_utc;  // when it was measured: 2026-12-06T16:30:00Z
  std::string backend;      // "cpu" or "cuda"
  std::vector<CalibrationDevice> devices;  // one per rank, in rank order
  std::vector<CalibrationTier> tiers;
};

// A calibration that breaks the schema; the message is one line.
class CalibrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws CalibrationError naming the first rule `c` breaks.
void validate_calibration(const Calibration& c);

// Serialises (after validating) with the schema's key names.
nlohmann::json calibration_to_json(const Calibration& c);
std::string calibration_to_string(const Calibration& c);
// Reads and validates; CalibrationError on a wrong type, a missing key or a
// broken rule.
Calibration calibration_from_json(const nlohmann::json& j);
// One device entry, as the schema writes it; the reader checks types (not
// the rules, which need the whole document). For gathering ranks' figures.
nlohmann::json calibration_device_to_json(const CalibrationDevice& d);
CalibrationDevice calibration_device_from_json(const nlohmann::json& j, const std::string& where = "device");
// Parses the text first: CalibrationError when it is not JSON.
Calibration parse_calibration(std::string_view text);

}  // namespace flopwall
