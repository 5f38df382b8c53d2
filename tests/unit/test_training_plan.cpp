// The training plan: its size mirror, its FLOP accounting against the
// closed form (Megatron-LM's 3x: backward = 2x forward, op by op), and its
// gradients, executed on the CPU device in fp64, against finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>

#include "backend/cpu_device.hpp"
#include "core/error.hpp"
#include "model/plan.hpp"
#include "model/grad_buckets.hpp"
#include "model/training_plan.hpp"

using namespace flopwall;

namespace {

const ModelShape k_small{.hidden = 16, .heads = 4, .ffn = 32, .layers = 2, .seq = 8, .batch = 2};

TEST(TrainingPlan, SizeMirrorEqualsTheBuiltPlan) {
  for (int tp : {1, 2, 4})
    for (DType dtype : {DType::fp32, DType::fp64, DType::bf16, DType::fp8})
      for (std::uint64_t cap : {std::uint64_t{1}, std::uint64_t{3000}, std::uint64_t{25} << 20})
      for (int variant = 0; variant < 4; ++variant) {
        const ParallelLayout layout{.world_size = 2 * tp, .tp = tp};  // dp 2: the bucket allreduces
        const TrainingOptions options{.bucket_bytes = cap, .sequence_parallel = (variant & 1) != 0,
                                      .overlap_grad_reduce = (variant & 2) != 0};
        const TrainingPlan t = build_training_plan(k_small, layout, 0, dtype, options);
        const TrainingPlanSize s = training_plan_size(k_small, layout, dtype, options);
        EXPECT_EQ(s.grad_buckets, t.buckets.size());
        EXPECT_EQ(s.buffer_bytes, t.plan.buffer_bytes()) << "tp " << tp;
        EXPECT_EQ(s.buffers, t.plan.buffers.size()) << "tp " << tp;
        EXPECT_EQ(s.ops, t.plan.ops.size()) << "tp " << tp;
        EXPECT_EQ(s.flops_per_iteration, t.plan.flops_per_iteration()) << "tp " << tp;
      }
}

TEST(TrainingPlan, SequenceParallelSwapsEachTpAllreduceForReduceScatterAndAllgather) {
  const ParallelLayout layout{.world_size = 2, .tp = 2};
  const TrainingPlan plain = build_training_plan(k_small, layout, 1, DType::fp32);
  const TrainingPlan sp = build_training_plan(k_small, layout, 1, DType::fp32, {.sequence_parallel = true});
  std::map<std::string, int> collectives;
  std::uint64_t plain_ln = 0, sp_ln = 0;
  for (const Op& op : sp.plan.ops) {
    if (const auto* c = std::get_if<CommOp>(&op.params)) ++collectives[std::string(descriptor(c->call.collective).name)];
    if (op.name.starts_with("ln_")) sp_ln += op.bytes_mem;
  }
  for (const Op& op : plain.plan.ops)
    if (op.name.starts_with("ln_")) plain_ln += op.bytes_mem;
  // Per layer 2 forward and 2 backward TP allreduces become 4 allgathers and
  // 4 reduce-scatters, and the two layernorm gradients are summed over TP.
  EXPECT_EQ(collectives["allgather"], 4 * k_small.layers);
  EXPECT_EQ(collectives["reducescatter"], 4 * k_small.layers);
  EXPECT_EQ(collectives["allreduce"], 2 * k_small.layers);
  // The same FLOPs; the layernorms read half the tokens on each of 2 ranks (their 2h parameters aside).
  EXPECT_EQ(sp.plan.flops_per_iteration(), plain.plan.flops_per_iteration());
  EXPECT_LT(sp_ln, plain_ln);
  EXPECT_EQ(sp.token_offset, k_small.tokens() / 2);
  // Tokens that tp does not divide are refused.
  const ModelShape odd{.hidden = 16, .heads = 4, .ffn = 32, .layers = 1, .seq = 3, .batch = 1};
  EXPECT_THROW(build_training_plan(odd, {.world_size = 2, .tp = 2}, 0, DType::fp32, {.sequence_parallel = true}),
               UsageError);
  EXPECT_NO_THROW(build_training_plan(odd, {.world_size = 1, .tp = 1}, 0, DType::fp32, {.sequence_parallel = true}));
}

TEST(TrainingPlan, FlopsAreThreeTimesTheForwardPassOpByOp) {
  for (int tp : {1, 2}) {
    const ParallelLayout layout{.world_size = tp, .tp = tp};
    const Plan fwd = build_transformer_plan(k_small, layout, 0, DType::fp32);
    const TrainingPlan t = build_training_plan(k_small, layout, 0, DType::fp32);
    EXPECT_EQ(t.plan.flops_per_iteration(), 3 * fwd.flops_per_iteration());
    std::map<std::pair<std::string, int>, std::uint64_t> fwd_flops, bwd_flops;
    for (const Op& op : fwd.ops) fwd_flops[{op.name, op.layer}] = op.flops;
    for (std::size_t i = 0; i < t.plan.ops.size(); ++i) {
      const Op& op = t.plan.ops[i];
      if (i < t.backward_begin) {
        // The forward half is the prefill plan's accounting (plus the 0-FLOP activation copy).
        if (op.name != "save_mlp_pre") EXPECT_EQ(op.flops, fwd_flops.at({op.name, op.layer})) << op.name;
        continue;
      }
      std::string base = op.name;
      for (const char* suffix : {"_wgrad", "_dgrad", "_bwd"})
        if (base.ends_with(suffix)) base.resize(base.size() - std::string(suffix).size());
      bwd_flops[{base, op.layer}] += op.flops;
    }
    // Each GEMM: dgrad + wgrad = 2x; attention: score and context backward = 2x each.
    for (const auto& [key, flops] : fwd_flops)
      if (flops > 0) EXPECT_EQ(bwd_flops[key], 2 * flops) << key.first << " layer " << key.second;
  }
}

// fp8: the forward GEMMs read fp8 casts of their inputs, as the prefill
// plan's do; the backward GEMMs read the kept activations in bf16.
TEST(TrainingPlan, Fp8CastsEachForwardGemmInputAndKeepsTheFlops) {
  const ParallelLayout layout{.world_size = 1, .tp = 1};
  const TrainingPlan t = build_training_plan(k_small, layout, 0, DType::fp8);
  const TrainingPlan bf16 = build_training_plan(k_small, layout, 0, DType::bf16);
  const Plan fwd = build_transformer_plan(k_small, layout, 0, DType::fp8);
  std::vector<std::string> casts, prefill_casts;
  for (const Op& op : t.plan.ops)
    if (op.name.starts_with("fp8_cast_")) casts.push_back(op.name);
  for (const Op& op : fwd.ops)
    if (op.name.starts_with("fp8_cast_")) prefill_casts.push_back(op.name);
  EXPECT_EQ(casts, prefill_casts);
  EXPECT_EQ(casts.size(), 4u * static_cast<std::size_t>(k_small.layers));
  EXPECT_EQ(t.plan.flops_per_iteration(), bf16.plan.flops_per_iteration());
  for (const Op& op : t.plan.ops)
    if (const auto* d = std::get_if<DeviceOp>(&op.params))
      if (const auto* g = std::get_if<GemmOp>(d))
        EXPECT_EQ(t.plan.buffers[static_cast<std::size_t>(g->a)].role, BufferRole::gemm_operand) << op.name;
}

// Runs the plan's device ops (tp = 1: no collectives) and returns <seed, output>.
double run_loss(Device& dev, const TrainingPlan& t, bool backward) {
  const auto end = backward ? t.plan.ops.size() : t.backward_begin;
  for (std::size_t i = 0; i < end; ++i) dev.execute(i, std::get<DeviceOp>(t.plan.ops[i].params));
  const auto y = dev.read_buffer(t.plan.output), seed = dev.read_buffer(t.grad_seed);
  double loss = 0;
  for (std::size_t i = 0; i < y.size(); ++i) loss += y[i] * seed[i];
  return loss;
}

TEST(TrainingPlan, GradientsOnTheCpuDeviceMatchFiniteDifferences) {
  const ModelShape tiny{.hidden = 8, .heads = 2, .ffn = 16, .layers = 2, .seq = 4, .batch = 2};
  const TrainingPlan t = build_training_plan(tiny, {.world_size = 1, .tp = 1}, 0, DType::fp64);
  auto dev = make_cpu_device(DType::fp64, 1);
  dev->prepare(t.plan);
  run_loss(*dev, t, true);
  // Every weight and layernorm gradient of both layers (a range of its bucket), and the input gradient.
  std::vector<BufferId> params;
  std::vector<std::vector<double>> grads;
  for (const LayerGradients& g : t.grads)
    for (const GradientSlot& slot : g.slots) {
      const auto bucket = dev->read_buffer(slot.bucket);
      params.push_back(slot.param);
      grads.emplace_back(bucket.begin() + slot.offset, bucket.begin() + slot.offset + slot.elements);
      ASSERT_EQ(slot.elements, t.plan.buffers[static_cast<std::size_t>(slot.param)].elements());
    }
  params.push_back(0);
  grads.push_back(dev->read_buffer(t.input_grad));
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  for (std::size_t c = 0; c < params.size(); ++c) {
    const BufferId param = params[c];
    auto* p = static_cast<double*>(dev->buffer(param));
    const std::size_t n = static_cast<std::size_t>(t.plan.buffers[static_cast<std::size_t>(param)].elements());
    std::vector<double> v(n), orig(p, p + n);
    for (auto& x : v) x = dist(gen);
    const double eps = 1e-5;
    for (std::size_t i = 0; i < n; ++i) p[i] = orig[i] + eps * v[i];
    const double lp = run_loss(*dev, t, false);
    for (std::size_t i = 0; i < n; ++i) p[i] = orig[i] - eps * v[i];
    const double lm = run_loss(*dev, t, false);
    std::copy(orig.begin(), orig.end(), p);
    const double fd = (lp - lm) / (2 * eps);
    double an = 0;
    for (std::size_t i = 0; i < n; ++i) an += grads[c][i] * v[i];
    const std::string name = t.plan.buffers[static_cast<std::size_t>(param)].name;
    EXPECT_LT(std::abs(an - fd), 1e-5 * std::abs(fd)) << name << ": analytic " << an << " vs " << fd;
    EXPECT_GT(std::abs(an), 1e-6) << name;
  }
}

}  // namespace

namespace {

TEST(GradBuckets, GreedyInCompletionOrderClosingAtTheCap) {
  // 4-byte elements, cap 100 bytes: 10+10 (80 B) stays open, +10 closes at 120 B;
  // 30 alone (120 B) closes; 5 is the last, open bucket.
  const auto b = plan_grad_buckets({10, 10, 10, 30, 5}, 4, 100);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].members, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(b[0].offsets, (std::vector<std::int64_t>{0, 10, 20}));
  EXPECT_EQ(b[0].elements, 30);
  EXPECT_EQ(b[1].members, (std::vector<std::size_t>{3}));
  EXPECT_EQ(b[2].members, (std::vector<std::size_t>{4}));
  EXPECT_EQ(b[2].elements, 5);
  const auto c = count_grad_buckets(5, [](std::uint64_t i) { return std::int64_t{i == 3 ? 30 : i == 4 ? 5 : 10}; },
                                    4, 100);
  EXPECT_EQ(c.buckets, 3u);
  EXPECT_EQ(c.largest_elements, 30);
}

TEST(TrainingPlan, BucketsFollowBackwardOrderAndCoverEveryGradient) {
  const ParallelLayout layout{.world_size = 2, .tp = 1};
  const TrainingPlan t = build_training_plan(k_small, layout, 0, DType::fp32, {.bucket_bytes = 4096});
  ASSERT_GT(t.buckets.size(), 1u);
  // The last layer's w_down is the first gradient backward completes: bucket 0, offset 0.
  EXPECT_EQ(t.grads.back().slots[5].bucket, t.buckets.front());
  EXPECT_EQ(t.grads.back().slots[5].offset, 0);
  // Layer 0's ln_attn gradient is the last one: the end of the last bucket.
  const GradientSlot& last = t.grads.front().slots[0];
  EXPECT_EQ(last.bucket, t.buckets.back());
  EXPECT_EQ(last.offset + last.elements, t.plan.buffers[static_cast<std::size_t>(last.bucket)].elements());
  // One allreduce per bucket over dp, after the backward pass, in bucket order.
  std::vector<BufferId> reduced;
  for (const Op& op : t.plan.ops)
    if (op.group == CommGroup::dp) reduced.push_back(std::get<CommOp>(op.params).send);
  EXPECT_EQ(reduced, t.buckets);
  std::int64_t total = 0;
  for (const LayerGradients& g : t.grads)
    for (const GradientSlot& s : g.slots) total += s.elements;
  std::int64_t bucketed = 0;
  for (BufferId b : t.buckets) bucketed += t.plan.buffers[static_cast<std::size_t>(b)].elements();
  EXPECT_EQ(total, bucketed);
}

}  // namespace
