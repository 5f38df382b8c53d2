#pragma once
// The doctor's checks: each a pure function of the job's facts
// (doctor_facts.hpp) returning its findings. docs/doctor.md lists them with
// their thresholds; a new check is a function and a row of doctor_checks().
#include <string>
#include <string_view>
#include <vector>

#include "cli/doctor_facts.hpp"

namespace flopwall {

enum class Severity { info, warning, error };
std::string_view severity_name(Severity s) noexcept;

struct Finding {
  std::string check;    // the check's name, as doctor_checks() lists it
  Severity severity = Severity::info;
  std::string where;    // "node vm", "rank 3 on vm", "GPU 1 on vm"
  std::string message;  // what is wrong, with the figures that show it
  std::string fix;      // what to change
};

struct DoctorCheck {
  std::string_view name;
  std::string_view what;  // one line: what it looks at
  std::vector<Finding> (*run)(const DoctorFacts& facts) = nullptr;
  // Whether the job has what the check looks at (GPUs, Open MPI's
  // transports); nullptr: always. A check that does not apply is reported
  // as such, not as passed.
  bool (*applies)(const DoctorFacts& facts) = nullptr;
};

// "passed", "findings" or "not applicable", for the check named `check`.
std::string_view check_status(const DoctorCheck& check, const DoctorFacts& facts, const std::vector<Finding>& findings);

// Every check, in the order the doctor runs and prints them.
const std::vector<DoctorCheck>& doctor_checks();

// Each check's findings, in check order.
std::vector<Finding> run_doctor_checks(const DoctorFacts& facts);

// The checks of doctor_checks_cpu.cpp and doctor_checks_gpu.cpp.
std::vector<Finding> check_blas_kernel(const DoctorFacts& facts);
std::vector<Finding> check_cpu_governor(const DoctorFacts& facts);
std::vector<Finding> check_rank_binding(const DoctorFacts& facts);
std::vector<Finding> check_memory_headroom(const DoctorFacts& facts);
std::vector<Finding> check_mpi_transport(const DoctorFacts& facts);
std::vector<Finding> check_clock_offset(const DoctorFacts& facts);
std::vector<Finding> check_node_uniformity(const DoctorFacts& facts);
std::vector<Finding> check_gpu_clocks(const DoctorFacts& facts);
std::vector<Finding> check_gpu_ecc_persistence(const DoctorFacts& facts);
std::vector<Finding> check_gpu_pcie(const DoctorFacts& facts);
std::vector<Finding> check_gpu_binding(const DoctorFacts& facts);
std::vector<Finding> check_nccl_transport(const DoctorFacts& facts);

// Thresholds (docs/doctor.md).
inline constexpr double k_memory_warning_fraction = 0.20;  // MemAvailable below 20% of MemTotal
inline constexpr double k_memory_error_fraction = 0.05;    // … below 5%
inline constexpr double k_blas_faster_ratio = 1.10;        // another kernel 10% faster than the chosen one
inline constexpr std::int64_t k_clock_warning_ns = 20'000;     // 20 µs
inline constexpr std::int64_t k_clock_error_ns = 1'000'000;    // 1 ms

}  // namespace flopwall
