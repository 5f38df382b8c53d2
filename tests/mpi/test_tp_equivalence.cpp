// The tensor-parallel split is real: a block stack run with TP = world size
// produces the same output as the same model run unsplit on one rank.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu_device.hpp"
#include "runtime/communicator.hpp"
#include "transport/mpi/mpi_transport.hpp"
#include "runtime/runner.hpp"

namespace flopwall {
namespace {

std::vector<double> forward(const ModelShape& shape, MPI_Comm comm, DType dtype) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const ParallelLayout layout{.world_size = size, .tp = size};
  const Plan plan = build_transformer_plan(shape, layout, rank, dtype);
  const auto communicator = make_communicator(comm, layout, [](MPI_Comm c) { return std::make_unique<MpiTransport>(c); });
  auto device = make_cpu_device(dtype, 1);
  device->prepare(plan);
  for (std::size_t i = 0; i < plan.ops.size(); ++i) execute_op(i, plan.ops[i], *device, *communicator, 0);
  return device->read_buffer(plan.output);
}

void expect_tp_matches_single_rank(DType dtype, double tolerance) {
  // heads and ffn divide by 1, 2 and 4, the rank counts this test runs at.
  const ModelShape shape{.hidden = 64, .heads = 4, .ffn = 192, .layers = 2, .seq = 12, .batch = 2};
  const std::vector<double> single = forward(shape, MPI_COMM_SELF, dtype);
  const std::vector<double> split = forward(shape, MPI_COMM_WORLD, dtype);
  ASSERT_EQ(single.size(), split.size());
  double max_abs = 0, max_diff = 0;
  for (std::size_t i = 0; i < single.size(); ++i) {
    ASSERT_TRUE(std::isfinite(split[i])) << "element " << i;
    max_abs = std::max(max_abs, std::fabs(single[i]));
    max_diff = std::max(max_diff, std::fabs(single[i] - split[i]));
  }
  EXPECT_GT(max_abs, 0.1) << "the output should not be trivially small";
  EXPECT_LE(max_diff, tolerance * max_abs) << "max |TP − single| = " << max_diff;
}

TEST(TensorParallel, Fp32OutputEqualsSingleRank) { expect_tp_matches_single_rank(DType::fp32, 1e-5); }
TEST(TensorParallel, Fp64OutputEqualsSingleRank) { expect_tp_matches_single_rank(DType::fp64, 1e-12); }

TEST(TensorParallel, TimedLoopLeavesTheSameOutput) {
  // Repeating iterations must not change the result: the input is never written.
  const ModelShape shape{.hidden = 32, .heads = 4, .ffn = 64, .layers = 2, .seq = 8, .batch = 1};
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const ParallelLayout layout{.world_size = size, .tp = size};
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const Plan plan = build_transformer_plan(shape, layout, rank, DType::fp64);
  const auto comm = make_communicator(MPI_COMM_WORLD, layout, [](MPI_Comm c) { return std::make_unique<MpiTransport>(c); });
  auto device = make_cpu_device(DType::fp64, 1);
  device->prepare(plan);
  Recorder recorder(plan_work(plan), 3);
  run_plan(plan, *device, *comm, recorder, {}, {.iterations = 3, .warmup = 1, .progress = false});
  const auto after_loop = device->read_buffer(plan.output);
  for (std::size_t i = 0; i < plan.ops.size(); ++i) execute_op(i, plan.ops[i], *device, *comm, 0);
  EXPECT_EQ(after_loop, device->read_buffer(plan.output));
  EXPECT_EQ(recorder.events().size(), 3 * plan.ops.size());
  for (const TraceEvent& e : recorder.events()) EXPECT_GE(e.t_end_ns, e.t_start_ns);
}

}  // namespace
}  // namespace flopwall
