#include <gtest/gtest.h>

#include <algorithm>
#include <span>

#include "core/error.hpp"
#include "model/plan.hpp"

namespace flopwall {
namespace {

std::uint64_t flops_of(const Plan& p, const std::string& name) {
  std::uint64_t total = 0;
  for (const Op& op : p.ops)
    if (op.name == name) total += op.flops;
  return total;
}

TEST(ModelFlops, TinyMatchesHandComputedMegatronTotal) {
  // tiny: h=256 heads=4 f=1024 layers=2 s=64 b=2 → tokens 128.
  // 128·2·(8·256² + 4·256·1024 + 2·256·64) = 128·2·1 605 632
  const Plan p = build_transformer_plan(model_preset("tiny"), {.world_size = 1, .tp = 1}, 0, DType::fp32);
  EXPECT_EQ(p.flops_per_iteration(), 411'041'792ULL);
  EXPECT_EQ(flops_of(p, "qkv_proj"), 2ULL * 2 * 128 * 256 * 768);   // 2 layers · 2·T·h·3h
  EXPECT_EQ(flops_of(p, "mlp_down"), 2ULL * 2 * 128 * 1024 * 256);  // 2 layers · 2·T·f·h
  EXPECT_EQ(flops_of(p, "attn_score"), 2ULL * 2 * 4 * 64 * 64 * 64); // causal half: b·H·s²·d per layer
  EXPECT_EQ(flops_of(p, "gelu"), 0ULL);
}

TEST(ModelFlops, TensorAndDataParallelSumEqualsGlobalFormula) {
  // h=128 heads=8 f=384 layers=3 s=16 b=3, world 4 = tp 2 × dp 2.
  // Global tokens 3·2·16 = 96; 96·3·(8·128² + 4·128·384 + 2·128·16) = 96·3·331 776.
  const ModelShape shape{.hidden = 128, .heads = 8, .ffn = 384, .layers = 3, .seq = 16, .batch = 3};
  const ParallelLayout layout{.world_size = 4, .tp = 2};
  std::uint64_t total = 0;
  for (int rank = 0; rank < 4; ++rank) {
    const Plan p = build_transformer_plan(shape, layout, rank, DType::fp64);
    EXPECT_EQ(p.flops_per_iteration(), 95'551'488ULL / 4) << "rank " << rank;
    total += p.flops_per_iteration();
  }
  EXPECT_EQ(total, 95'551'488ULL);
}

TEST(ModelPlan, AllreducesOnlyWithTensorParallelism) {
  const ModelShape shape = model_preset("tiny");
  const Plan single = build_transformer_plan(shape, {.world_size = 1, .tp = 1}, 0, DType::fp32);
  EXPECT_TRUE(std::none_of(single.ops.begin(), single.ops.end(), [](const Op& o) { return o.kind == OpKind::comm; }));

  const Plan split = build_transformer_plan(shape, {.world_size = 2, .tp = 2}, 1, DType::fp32);
  const auto comm = std::count_if(split.ops.begin(), split.ops.end(), [](const Op& o) { return o.kind == OpKind::comm; });
  EXPECT_EQ(comm, 2 * shape.layers);
  for (const Op& op : split.ops)
    if (op.kind == OpKind::comm) {
      EXPECT_EQ(op.group, CommGroup::tp);
      // ring allreduce over 2 ranks: 2·(2−1)/2 × T·h·4 bytes
      EXPECT_EQ(op.bytes_comm, 128ULL * 256 * 4);
    }
}

TEST(ModelPlan, WeightShardsAreSlicesOfTheSameGlobalMatrix) {
  const ModelShape shape{.hidden = 16, .heads = 4, .ffn = 32, .layers = 1, .seq = 4, .batch = 1};
  const Plan full = build_transformer_plan(shape, {.world_size = 1, .tp = 1}, 0, DType::fp64);
  auto find = [](const Plan& p, const std::string& name) {
    return *std::find_if(p.buffers.begin(), p.buffers.end(), [&](const BufferSpec& b) { return b.name == name; });
  };
  for (const char* name : {"layer0.w_qkv", "layer0.w_out", "layer0.w_up", "layer0.w_down"}) {
    const BufferSpec g = find(full, name);
    std::vector<double> global(static_cast<std::size_t>(g.elements()));
    fill_buffer<double>(g, global);
    std::int64_t covered = 0;
    for (int rank = 0; rank < 2; ++rank) {
      const BufferSpec s = find(build_transformer_plan(shape, {.world_size = 2, .tp = 2}, rank, DType::fp64), name);
      std::vector<double> shard(static_cast<std::size_t>(s.elements()));
      fill_buffer<double>(s, shard);
      covered += s.elements();
      for (std::int64_t r = 0; r < s.rows; ++r)
        for (std::int64_t c = 0; c < s.cols; ++c) {
          const auto& w = s.shard;
          const std::int64_t gr = w.row_offset + r;
          const std::int64_t gc = (c / w.block_cols) * w.block_stride + w.col_offset + c % w.block_cols;
          ASSERT_EQ(shard[static_cast<std::size_t>(r * s.cols + c)], global[static_cast<std::size_t>(gr * g.cols + gc)])
              << name << " rank " << rank << " (" << r << "," << c << ")";
        }
    }
    EXPECT_EQ(covered, g.elements()) << name << ": the shards must tile the global matrix";
  }
}

TEST(ModelShapeValidation, RejectsInconsistentLayouts) {
  const ModelShape tiny = model_preset("tiny");
  auto expect_usage = [](const ModelShape& s, ParallelLayout l, const std::string& fragment) {
    try {
      validate_layout(s, l);
      ADD_FAILURE() << "accepted, expected: " << fragment;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_usage(tiny, {.world_size = 3, .tp = 3}, "--heads 4 is not divisible by --tp 3");
  ModelShape odd_ffn = tiny;
  odd_ffn.ffn = 1023;
  expect_usage(odd_ffn, {.world_size = 2, .tp = 2}, "--ffn 1023 is not divisible by --tp 2");
  expect_usage(tiny, {.world_size = 3, .tp = 2}, "world size 3 is not a multiple of --tp 2");
  ModelShape zero = tiny;
  zero.seq = 0;
  expect_usage(zero, {.world_size = 1, .tp = 1}, "--seq 0 is not valid");
  ModelShape neg = tiny;
  neg.batch = -2;
  expect_usage(neg, {.world_size = 1, .tp = 1}, "--batch -2 is not valid");
  ModelShape ragged = tiny;
  ragged.hidden = 250;
  expect_usage(ragged, {.world_size = 1, .tp = 1}, "--hidden 250 is not divisible by --heads 4");
}

TEST(ModelShapeValidation, PresetsAreValidAndUnknownOnesListTheChoices) {
  for (const auto& name : model_preset_names()) EXPECT_NO_THROW(validate_layout(model_preset(name), {.world_size = 4, .tp = 4}));
  try {
    model_preset("gpt5");
    ADD_FAILURE();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("valid: tiny, gpt3-1.3b, llama2-7b"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace flopwall

namespace flopwall {
namespace {

TEST(ModelPlan, Fp8GemmsReadCastCopiesAndKeepTheSameFlops) {
  const ModelShape shape = model_preset("tiny");
  const Plan bf16 = build_transformer_plan(shape, {.world_size = 1, .tp = 1}, 0, DType::bf16);
  const Plan fp8 = build_transformer_plan(shape, {.world_size = 1, .tp = 1}, 0, DType::fp8);
  EXPECT_EQ(fp8.flops_per_iteration(), bf16.flops_per_iteration());
  EXPECT_EQ(fp8.ops.size(), bf16.ops.size() + 4 * static_cast<std::size_t>(shape.layers));
  for (std::size_t i = 0; i < fp8.ops.size(); ++i) {
    const Op& op = fp8.ops[i];
    if (const auto* g = std::get_if<GemmOp>(&op.params)) {
      // Every GEMM of an fp8 run follows the cast that produced its A operand.
      ASSERT_GT(i, 0u);
      const auto* cast = std::get_if<CastOp>(&fp8.ops[i - 1].params);
      ASSERT_NE(cast, nullptr) << op.name;
      EXPECT_EQ(cast->dst, g->a) << op.name;
      EXPECT_EQ(fp8.buffers[static_cast<std::size_t>(g->a)].role, BufferRole::gemm_operand);
      EXPECT_EQ(fp8.buffers[static_cast<std::size_t>(g->b)].role, BufferRole::gemm_operand);
      // A and B in 1-byte e4m3, C in 2-byte bf16.
      EXPECT_EQ(op.bytes_mem, static_cast<std::uint64_t>(g->m * g->k + g->k * g->n + 2 * g->m * g->n));
    }
  }
  // bf16 weights take 2 bytes per element, fp8 weights 1.
  EXPECT_LT(fp8.buffer_bytes(), bf16.buffer_bytes() + 3ULL * 128 * 1024);
}

}  // namespace
}  // namespace flopwall
