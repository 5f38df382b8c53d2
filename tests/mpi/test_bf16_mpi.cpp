// bf16 across ranks on the cpu backend: the MPI transport's bfloat16 type and
// reductions, and the tensor-parallel split in bf16 (TP = world size equals
// the unsplit model within bf16's rounding). The device's GEMMs run through
// the stand-in sbgemm (tests/common/reference_sbgemm.hpp), so this runs on
// an OpenBLAS without BUILD_BFLOAT16 too.
#include <gtest/gtest.h>

#include <cmath>

#include "../common/reference_sbgemm.hpp"
#include "backend/cpu_device.hpp"
#include "runtime/communicator.hpp"
#include "runtime/runner.hpp"
#include "transport/mpi/mpi_transport.hpp"

namespace flopwall {
namespace {

TEST(MpiBfloat16, AllreduceSumsInFloatAndRoundsToBf16) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MpiTransport t(MPI_COMM_WORLD);
  EXPECT_EQ(t.unsupported(ElementType::bfloat16, ReduceOp::sum), std::nullopt);
  EXPECT_NE(t.unsupported(ElementType::bfloat16, ReduceOp::avg), std::nullopt);
  // Large enough for Open MPI's segmented algorithms, values exact in bf16
  // and their sums too (at most 4 ranks · 8 · 7 < 256).
  const std::size_t n = 100000;
  std::vector<BFloat16> in(n), out(n);
  for (std::size_t i = 0; i < n; ++i) in[i] = BFloat16(static_cast<float>((rank + 1) * static_cast<int>(i % 8)));
  t.allreduce(in.data(), out.data(), static_cast<std::int64_t>(n), ElementType::bfloat16, ReduceOp::sum, false);
  const int ranks_sum = size * (size + 1) / 2;
  for (std::size_t i = 0; i < n; ++i)
    ASSERT_EQ(float(out[i]), static_cast<float>(ranks_sum * static_cast<int>(i % 8))) << "element " << i;
  // In place, max: the largest rank's value.
  t.allreduce(in.data(), in.data(), static_cast<std::int64_t>(n), ElementType::bfloat16, ReduceOp::max, true);
  for (std::size_t i = 0; i < n; i += 997) ASSERT_EQ(float(in[i]), static_cast<float>(size * static_cast<int>(i % 8)));
}

std::vector<double> forward(const ModelShape& shape, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const ParallelLayout layout{.world_size = size, .tp = size};
  const Plan plan = build_transformer_plan(shape, layout, rank, DType::bf16);
  const auto communicator = make_communicator(comm, layout, [](MPI_Comm c) { return std::make_unique<MpiTransport>(c); });
  auto device = make_cpu_device(DType::bf16, 1, testing::reference_blas());
  device->prepare(plan);
  for (std::size_t i = 0; i < plan.ops.size(); ++i) execute_op(i, plan.ops[i], *device, *communicator, 0);
  return device->read_buffer(plan.output);
}

TEST(TensorParallel, Bf16OutputEqualsSingleRank) {
  const ModelShape shape{.hidden = 64, .heads = 4, .ffn = 192, .layers = 2, .seq = 12, .batch = 2};
  const std::vector<double> single = forward(shape, MPI_COMM_SELF);
  const std::vector<double> split = forward(shape, MPI_COMM_WORLD);
  ASSERT_EQ(single.size(), split.size());
  double max_abs = 0, max_diff = 0;
  for (std::size_t i = 0; i < single.size(); ++i) {
    ASSERT_TRUE(std::isfinite(split[i])) << "element " << i;
    max_abs = std::max(max_abs, std::fabs(single[i]));
    max_diff = std::max(max_diff, std::fabs(single[i] - split[i]));
  }
  EXPECT_GT(max_abs, 0.1) << "the output should not be trivially small";
  // The split rounds its partial sums to bf16 before the allreduce, the
  // unsplit model does not: a few bf16 ulps (2^-8 relative) per block.
  EXPECT_LE(max_diff, 3e-2 * max_abs) << "max |TP − single| = " << max_diff;
}

}  // namespace
}  // namespace flopwall
