// The training step's collectives are real: with TP = world size the
// backward TP allreduces give the unsplit model's gradients, and with DP =
// world size the bucket allreduces leave every rank the sum of the replicas'
// gradients.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu_device.hpp"
#include "model/training_plan.hpp"
#include "runtime/communicator.hpp"
#include "runtime/runner.hpp"
#include "transport/mpi/mpi_transport.hpp"

namespace flopwall {
namespace {

const ModelShape k_shape{.hidden = 32, .heads = 4, .ffn = 64, .layers = 2, .seq = 6, .batch = 2};

std::unique_ptr<Communicator> communicator(MPI_Comm comm, const ParallelLayout& layout) {
  return make_communicator(comm, layout, [](MPI_Comm c) { return std::make_unique<MpiTransport>(c); });
}

// One step; with `comm` null, the device ops only (a replica's own gradients).
std::unique_ptr<Device> step(const TrainingPlan& t, Communicator* comm) {
  auto device = make_cpu_device(DType::fp64, 1);
  device->prepare(t.plan);
  for (std::size_t i = 0; i < t.plan.ops.size(); ++i) {
    if (comm) {
      execute_op(i, t.plan.ops[i], *device, *comm, 0);
    } else if (const auto* d = std::get_if<DeviceOp>(&t.plan.ops[i].params)) {
      device->execute(i, *d);
    }
  }
  return device;
}

std::vector<double> slot_values(Device& dev, const GradientSlot& s) {
  const auto b = dev.read_buffer(s.bucket);
  return {b.begin() + s.offset, b.begin() + s.offset + s.elements};
}

void expect_close(const std::vector<double>& want, const std::vector<double>& got, const char* what, int layer) {
  ASSERT_EQ(want.size(), got.size()) << what;
  double max_abs = 0, max_diff = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    max_abs = std::max(max_abs, std::fabs(want[i]));
    max_diff = std::max(max_diff, std::fabs(want[i] - got[i]));
  }
  EXPECT_GT(max_abs, 1e-6) << what << " layer " << layer << ": a zero gradient would make the check empty";
  EXPECT_LE(max_diff, 1e-10 * max_abs) << what << " layer " << layer;
}

// TP over the whole world against one rank; with sequence parallelism each
// rank's input gradient is its rows of the whole one.
void expect_tensor_parallel_equals_single_rank(const TrainingOptions& options) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const ParallelLayout one{.world_size = 1, .tp = 1}, split{.world_size = size, .tp = size};
  const TrainingPlan ts = build_training_plan(k_shape, one, 0, DType::fp64);
  const TrainingPlan tt = build_training_plan(k_shape, split, rank, DType::fp64, options);
  const auto cs = communicator(MPI_COMM_SELF, one);
  const auto ct = communicator(MPI_COMM_WORLD, split);
  const auto ds = step(ts, cs.get());
  const auto dt = step(tt, ct.get());
  const auto whole = ds->read_buffer(ts.input_grad), mine = dt->read_buffer(tt.input_grad);
  const std::int64_t first = tt.token_offset * k_shape.hidden;
  ASSERT_LE(first + static_cast<std::int64_t>(mine.size()), static_cast<std::int64_t>(whole.size()));
  if (options.sequence_parallel && size > 1) ASSERT_EQ(mine.size() * static_cast<std::size_t>(size), whole.size());
  expect_close({whole.begin() + first, whole.begin() + first + static_cast<std::int64_t>(mine.size())}, mine,
               "input gradient", -1);
  const std::int64_t h = k_shape.hidden, h_l = h / size, f_l = k_shape.ffn / size;
  for (int l = 0; l < k_shape.layers; ++l) {
    const auto& s = ts.grads[static_cast<std::size_t>(l)].slots;
    const auto& t = tt.grads[static_cast<std::size_t>(l)].slots;
    expect_close(slot_values(*ds, s[0]), slot_values(*dt, t[0]), "ln_attn gradient", l);  // replicated
    expect_close(slot_values(*ds, s[3]), slot_values(*dt, t[3]), "ln_mlp gradient", l);
    // Row-parallel weights: this rank's gradient is rows [rank·n, (rank+1)·n) of the whole one.
    const auto w_out = slot_values(*ds, s[2]), w_down = slot_values(*ds, s[5]);
    expect_close({w_out.begin() + rank * h_l * h, w_out.begin() + (rank + 1) * h_l * h}, slot_values(*dt, t[2]),
                 "w_out gradient", l);
    expect_close({w_down.begin() + rank * f_l * h, w_down.begin() + (rank + 1) * f_l * h}, slot_values(*dt, t[5]),
                 "w_down gradient", l);
  }
}

TEST(TrainingStep, TensorParallelGradientsEqualSingleRank) { expect_tensor_parallel_equals_single_rank({}); }

// The allgathers and reduce-scatters, and the layernorm gradients summed
// over TP from each rank's tokens, give the unsplit model's gradients.
TEST(TrainingStep, SequenceParallelGradientsEqualSingleRank) {
  expect_tensor_parallel_equals_single_rank({.sequence_parallel = true});
}

void expect_buckets_hold_the_sum_over_replicas(bool overlap) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size < 2) GTEST_SKIP() << "needs 2 or more ranks";
  const ParallelLayout dp{.world_size = size, .tp = 1};
  const TrainingOptions reduce{.bucket_bytes = 8192, .overlap_grad_reduce = overlap};  // several buckets
  std::vector<std::vector<double>> want;
  for (int replica = 0; replica < size; ++replica) {
    const TrainingPlan t = build_training_plan(k_shape, dp, replica, DType::fp64, reduce);
    const auto d = step(t, nullptr);
    for (std::size_t k = 0; k < t.buckets.size(); ++k) {
      const auto b = d->read_buffer(t.buckets[k]);
      if (want.size() <= k) want.emplace_back(b.size(), 0.0);
      for (std::size_t i = 0; i < b.size(); ++i) want[k][i] += b[i];
    }
  }
  const TrainingPlan t = build_training_plan(k_shape, dp, rank, DType::fp64, reduce);
  ASSERT_GT(t.buckets.size(), 1u);
  const auto comm = communicator(MPI_COMM_WORLD, dp);
  const auto d = step(t, comm.get());
  for (std::size_t k = 0; k < t.buckets.size(); ++k)
    expect_close(want[k], d->read_buffer(t.buckets[k]), "gradient bucket", static_cast<int>(k));
}

TEST(TrainingStep, DataParallelBucketsHoldTheSumOverReplicas) { expect_buckets_hold_the_sum_over_replicas(false); }

// Started while backward goes on, each bucket still sums the replicas'
// final gradients: no allreduce starts before its last gradient is written.
TEST(TrainingStep, OverlappedBucketsHoldTheSumOverReplicas) { expect_buckets_hold_the_sum_over_replicas(true); }

}  // namespace
}  // namespace flopwall
