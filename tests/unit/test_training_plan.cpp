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
#include "model/training_plan.hpp"

using namespace flopwall;

namespace {

const ModelShape k_small{.hidden = 16, .heads = 4, .ffn = 32, .layers = 2, .seq = 8, .batch = 2};

TEST(TrainingPlan, SizeMirrorEqualsTheBuiltPlan) {
  for (int tp : {1, 2, 4})
    for (DType dtype : {DType::fp32, DType::fp64}) {
      const ParallelLayout layout{.world_size = tp, .tp = tp};
      const TrainingPlan t = build_training_plan(k_small, layout, 0, dtype);
      const TrainingPlanSize s = training_plan_size(k_small, layout, dtype);
      EXPECT_EQ(s.buffer_bytes, t.plan.buffer_bytes()) << "tp " << tp;
      EXPECT_EQ(s.buffers, t.plan.buffers.size()) << "tp " << tp;
      EXPECT_EQ(s.ops, t.plan.ops.size()) << "tp " << tp;
      EXPECT_EQ(s.flops_per_iteration, t.plan.flops_per_iteration()) << "tp " << tp;
    }
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

TEST(TrainingPlan, RefusesFp8) {
  EXPECT_THROW(build_training_plan(k_small, {.world_size = 1, .tp = 1}, 0, DType::fp8), UsageError);
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
  // Every weight and layernorm gradient of both layers, and the input gradient.
  std::vector<std::pair<BufferId, BufferId>> checks;  // (parameter, its gradient)
  for (const LayerGradients& g : t.grads) {
    // The parameters are the six buffers declared right before the gradients, in the same order.
    for (std::size_t j = 0; j < g.buffers.size(); ++j) {
      const BufferId param = g.buffers[j] - 6;
      const std::string pname = t.plan.buffers[static_cast<std::size_t>(param)].name;
      const std::string gname = t.plan.buffers[static_cast<std::size_t>(g.buffers[j])].name;
      ASSERT_EQ(gname, pname.substr(0, pname.find('.') + 1) + "grad_" + pname.substr(pname.find('.') + 1));
      checks.push_back({param, g.buffers[j]});
    }
  }
  checks.push_back({0, t.input_grad});
  std::vector<std::vector<double>> grads;
  for (const auto& c : checks) grads.push_back(dev->read_buffer(c.second));
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  for (std::size_t c = 0; c < checks.size(); ++c) {
    const BufferId param = checks[c].first;
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
