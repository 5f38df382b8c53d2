// Serve mode's tensor-parallel split is real: a wave (prefill against the
// prefix cache, then decode steps over the growing cache) run with TP =
// world size ends with the same output as the same wave unsplit on one rank,
// and repeating the wave does not change it.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu_device.hpp"
#include "model/serve_plan.hpp"
#include "runtime/communicator.hpp"
#include "runtime/runner.hpp"
#include "transport/mpi/mpi_transport.hpp"

namespace flopwall {
namespace {

const ModelShape k_shape{.hidden = 64, .heads = 4, .ffn = 192, .layers = 2, .seq = 8, .batch = 2};
const ServeShape k_serve{.prompt_len = 10, .decode_steps = 3, .kv_hit = 0.4, .requests = 2};

std::vector<double> wave(MPI_Comm comm, DType dtype, int repeats) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const ParallelLayout layout{.world_size = size, .tp = size};
  const Plan plan = build_serve_plan(k_shape, k_serve, layout, rank, dtype);
  const auto communicator = make_communicator(comm, layout, [](MPI_Comm c) { return std::make_unique<MpiTransport>(c); });
  auto device = make_cpu_device(dtype, 1);
  device->prepare(plan);
  for (int k = 0; k < repeats; ++k)
    for (std::size_t i = 0; i < plan.ops.size(); ++i) execute_op(i, plan.ops[i], *device, *communicator, 0);
  return device->read_buffer(plan.output);
}

TEST(ServeTensorParallel, WaveOutputEqualsSingleRank) {
  for (DType dtype : {DType::fp32, DType::fp64}) {
    const double tolerance = dtype == DType::fp32 ? 1e-5 : 1e-12;
    const std::vector<double> single = wave(MPI_COMM_SELF, dtype, 1);
    const std::vector<double> split = wave(MPI_COMM_WORLD, dtype, 1);
    ASSERT_EQ(single.size(), split.size());
    double max_abs = 0, max_diff = 0;
    for (std::size_t i = 0; i < single.size(); ++i) {
      ASSERT_TRUE(std::isfinite(split[i])) << "element " << i;
      max_abs = std::max(max_abs, std::fabs(single[i]));
      max_diff = std::max(max_diff, std::fabs(single[i] - split[i]));
    }
    EXPECT_GT(max_abs, 0.1) << "the output should not be trivially small";
    EXPECT_LE(max_diff, tolerance * max_abs) << dtype_name(dtype) << ": max |TP − single| = " << max_diff;
  }
}

TEST(ServeTensorParallel, RepeatedWavesLeaveTheSameOutput) {
  EXPECT_EQ(wave(MPI_COMM_WORLD, DType::fp64, 1), wave(MPI_COMM_WORLD, DType::fp64, 3));
}

}  // namespace
}  // namespace flopwall
