#include "cli/serve_limits.hpp"

#include <fmt/format.h>

#include <optional>

#include "cli/input_limits.hpp"
#include "core/units.hpp"
#include "platform/host_info.hpp"
#include "platform/mpi_check.hpp"
#include "platform/mpi_environment.hpp"
#include "runtime/backends.hpp"

namespace flopwall {
namespace {

std::uint64_t footprint_with(RunConfig c, const ParallelLayout& layout, std::int64_t requests) {
  c.serve.requests = requests;
  return run_footprint(c, layout).bytes_per_rank;
}

// Every part of the footprint that grows with R grows linearly (the
// activations and the KV cache); the rest does not. So it is
// base + R·per_request exactly, read off R = 1 and R = 2.
std::int64_t largest_fitting(const RunConfig& c, const ParallelLayout& layout, std::uint64_t budget) {
  const std::uint64_t one = footprint_with(c, layout, 1), two = footprint_with(c, layout, 2);
  const std::uint64_t per_request = two - one, base = one - per_request;
  if (budget < base || per_request == 0) return 0;
  return static_cast<std::int64_t>((budget - base) / per_request);
}

}  // namespace

std::int64_t require_serve_memory(MPI_Comm world, MPI_Comm node, const RunConfig& c, const ParallelLayout& layout) {
  if (c.mode != RunMode::serve || backend_entry(c.backend).device_memory) return 0;
  std::uint64_t mine = 0;
  agreed(world, [&] { mine = run_footprint(c, layout).bytes_per_rank; });
  std::uint64_t node_total = 0;
  int node_ranks = 1;
  FLOPWALL_MPI_CHECK(MPI_Allreduce(&mine, &node_total, 1, MPI_UINT64_T, MPI_SUM, node));
  FLOPWALL_MPI_CHECK(MPI_Comm_size(node, &node_ranks));
  const std::uint64_t available = host_available_memory_bytes();
  std::optional<std::string> problem;
  std::int64_t fits = 0;
  if (available != 0) {
    const auto budget = static_cast<std::uint64_t>(0.9 * static_cast<double>(available) / node_ranks);
    agreed(world, [&] { fits = largest_fitting(c, layout, budget); });
  }
  if (available != 0 && static_cast<double>(node_total) > 0.9 * static_cast<double>(available)) {
    const std::uint64_t kv = kv_bytes_per_token(c.shape, c.dtype) / static_cast<std::uint64_t>(layout.tp);
    problem = fmt::format(
        "--requests {}: the weights, activations and KV cache ({} per token per rank) need {} per rank ({} on this "
        "node) but the node has {} available; {}",
        c.serve.requests, units::bytes(static_cast<double>(kv)), units::bytes(static_cast<double>(mine)),
        units::bytes(static_cast<double>(node_total)), units::bytes(static_cast<double>(available)),
        fits > 0 ? fmt::format("the largest --requests that fits is {}", fits)
                 : std::string("not even one request fits; lower --prompt-len or --decode-steps, or raise --tp"));
  }
  agree_on_usage_error(world, problem);
  // Ranks on different nodes may see different memory: the job's figure is the smallest.
  std::int64_t job_fits = fits;
  FLOPWALL_MPI_CHECK(MPI_Allreduce(&fits, &job_fits, 1, MPI_INT64_T, MPI_MIN, world));
  return job_fits;
}

}  // namespace flopwall
