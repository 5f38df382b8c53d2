#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/gemm_probe.hpp"
#include "cli/input_limits.hpp"
#include "core/error.hpp"

namespace flopwall {
namespace {

// 8192³ takes 1.1 TFLOP a call (40 s on Prescott kernels at 28 GFLOP/s) and
// 768 MiB for A, B and C: enough to leave every cache behind.
constexpr std::int64_t k_max_size = 8192;
constexpr double k_max_seconds = 3600.0;
// Entries of C checked against a double-precision dot product.
constexpr int k_checked_entries = 64;

struct ProbeOptions {
  double seconds = 1.0;
  int size = 1024;
};

ProbeOptions parse_probe_options(const std::vector<std::string>& args) {
  ProbeOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag != "--seconds" && flag != "--size")
      throw UsageError(fmt::format("gemm-probe: '{}' is not an option; valid: --seconds S, --size N", flag));
    if (i + 1 == args.size()) throw UsageError(fmt::format("gemm-probe: {} needs a value", flag));
    const std::string& value = args[++i];
    if (flag == "--seconds")
      o.seconds = parse_real_option(value, "--seconds", 0.0, true, k_max_seconds, "a finite number of seconds");
    else
      o.size = static_cast<int>(parse_integer_option(value, "--size", 1, k_max_size));
  }
  return o;
}

// Deterministic values in [-1, 1) on a 1/1024 grid, so every product is exact
// in fp32 and only the sums round: a hash of the index, not a random stream.
void fill(std::vector<float>& m, std::uint32_t seed) {
  for (std::size_t i = 0; i < m.size(); ++i) {
    const std::uint32_t h = (static_cast<std::uint32_t>(i) + seed) * 2654435761u;
    m[i] = static_cast<float>(static_cast<int>(h >> 21) - 1024) / 1024.0f;
  }
}

// The largest |C - reference| over entries spread across C, relative to
// Σ|a·b| for that entry (the rounding scale of a dot product; relative to
// C itself an entry near zero would make any rounding look huge).
double max_relative_error(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& c,
                          int n) {
  double worst = 0.0;
  for (int k = 0; k < k_checked_entries; ++k) {
    const std::int64_t i = (std::int64_t{k} * 7919) % n, j = (std::int64_t{k} * 104729 + 17) % n;
    double sum = 0.0, scale = 0.0;
    for (std::int64_t p = 0; p < n; ++p) {
      const double product = double{a[i * n + p]} * double{b[p * n + j]};
      sum += product;
      scale += std::fabs(product);
    }
    const double error = std::fabs(double{c[i * n + j]} - sum);
    worst = std::max(worst, scale > 0.0 ? error / scale : error);
  }
  return worst;
}

}  // namespace

int gemm_probe_command(const std::vector<std::string>& args) {
  const ProbeOptions o = parse_probe_options(args);
  // One thread: the figure is one core's, comparable across kernels and
  // untouched by how many cores the probe's parent left free.
  openblas_set_num_threads(1);
  const int n = o.size;
  const std::size_t elements = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  std::vector<float> a(elements), b(elements), c(elements);
  fill(a, 1);
  fill(b, 2);
  const auto gemm = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(),
                n);
  };
  gemm();  // warm-up: page faults, OpenBLAS' buffers
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  std::int64_t calls = 0;
  double elapsed = 0.0;
  do {
    gemm();
    ++calls;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < o.seconds);
  const double flop_per_call = 2.0 * n * static_cast<double>(n) * n;
  const nlohmann::ordered_json line = {
      {"corename", openblas_get_corename()},
      {"size", n},
      {"calls", calls},
      {"seconds", elapsed},
      {"flops_per_s", flop_per_call * static_cast<double>(calls) / elapsed},
      {"max_rel_error", max_relative_error(a, b, c, n)},
  };
  std::puts(line.dump().c_str());
  return k_exit_ok;
}

}  // namespace flopwall
