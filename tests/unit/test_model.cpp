#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <span>

#include "core/error.hpp"
#include "model/plan.hpp"
#include "model/plan_size.hpp"

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
    const auto* device_op = std::get_if<DeviceOp>(&op.params);
    if (const auto* g = device_op ? std::get_if<GemmOp>(device_op) : nullptr) {
      // Every GEMM of an fp8 run follows the cast that produced its A operand.
      ASSERT_GT(i, 0u);
      const auto* before = std::get_if<DeviceOp>(&fp8.ops[i - 1].params);
      const auto* cast = before ? std::get_if<CastOp>(before) : nullptr;
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

namespace flopwall {
namespace {

std::string usage_error_of(const auto& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "<accepted>";
}

TEST(PlanSize, EqualsTheBuiltPlanForEveryDtypeAndSplit) {
  const ModelShape odd{.hidden = 96, .heads = 6, .ffn = 192, .layers = 3, .seq = 10, .batch = 3};
  for (const ModelShape& shape : {model_preset("tiny"), odd})
    for (DType dtype : {DType::fp32, DType::fp64, DType::tf32, DType::fp16, DType::bf16, DType::fp8})
      for (int tp : {1, 2}) {
        const ParallelLayout layout{.world_size = 2 * tp, .tp = tp};
        const PlanSize size = transformer_plan_size(shape, layout, dtype);
        for (int rank : {0, 2 * tp - 1}) {
          const Plan p = build_transformer_plan(shape, layout, rank, dtype);
          const std::string where = fmt::format("{} tp {} rank {} h {}", dtype_name(dtype), tp, rank, shape.hidden);
          EXPECT_EQ(size.buffer_bytes, p.buffer_bytes()) << where;
          EXPECT_EQ(size.buffers, p.buffers.size()) << where;
          EXPECT_EQ(size.ops, p.ops.size()) << where;
          EXPECT_EQ(size.flops_per_iteration, p.flops_per_iteration()) << where;
          std::int64_t largest = 0, largest_filled = 0;
          for (const BufferSpec& b : p.buffers) {
            largest = std::max(largest, b.elements());
            if (b.fill != BufferFill::zero) largest_filled = std::max(largest_filled, b.elements());
          }
          EXPECT_EQ(size.largest_buffer_elements, largest) << where;
          EXPECT_EQ(size.largest_filled_elements, largest_filled) << where;
          // The plan is sized once: its vectors never grew past what was announced.
          EXPECT_LE(p.ops.capacity(), size.ops + 1) << where;
          EXPECT_EQ(p.buffers.capacity(), size.buffers) << where;
        }
      }
  // The most ops a layer can have, which bounds --layers.
  const PlanSize most = transformer_plan_size(model_preset("tiny"), {.world_size = 2, .tp = 2}, DType::fp8);
  EXPECT_EQ(most.ops, static_cast<std::uint64_t>(k_max_ops_per_layer * model_preset("tiny").layers));
}

TEST(PlanSize, DoesNotBuildThePlan) {
  // 10^8 layers: hundreds of gigabytes of ops and buffer specs if built;
  // sized here in microseconds.
  ModelShape shape = model_preset("tiny");
  shape.layers = 100'000'000;
  const PlanSize size = transformer_plan_size(shape, {.world_size = 2, .tp = 2}, DType::fp32);
  EXPECT_EQ(size.ops, 14ULL * 100'000'000);
  EXPECT_EQ(size.buffers, 9ULL + 6ULL * 100'000'000);
}

TEST(ModelShapeValidation, RefusesShapesWhoseSizesOverflowNamingTheFlags) {
  const ParallelLayout two{.world_size = 2, .tp = 2};
  auto refused = [&](ModelShape s, const ParallelLayout& l) { return usage_error_of([&] { validate_layout(s, l); }); };
  ModelShape s = model_preset("tiny");

  s.hidden = std::int64_t{1} << 62;  // the fault report's --hidden 4611686018427387904
  std::string msg = refused(s, two);
  EXPECT_NE(msg.find("--hidden 4611686018427387904"), std::string::npos) << msg;
  EXPECT_NE(msg.find("overflows 64-bit arithmetic"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);

  s = model_preset("tiny");
  s.seq = 1'000'000'000'000;
  msg = refused(s, two);
  EXPECT_NE(msg.find("--seq 1000000000000"), std::string::npos) << msg;
  EXPECT_NE(msg.find("attention score size"), std::string::npos) << msg;

  s = model_preset("tiny");
  s.batch = 99'999'999'999'999'999;
  EXPECT_NE(refused(s, two).find("--batch 99999999999999999"), std::string::npos);

  s = model_preset("tiny");
  s.ffn = std::int64_t{1} << 61;
  msg = refused(s, two);
  EXPECT_NE(msg.find("--ffn 2305843009213693952"), std::string::npos) << msg;

  // Every buffer fits, but 2·tokens·3h·h FLOPs do not fit 64 bits.
  const ModelShape wide{.hidden = 1 << 24, .heads = 1, .ffn = 1 << 24, .layers = 1, .seq = 1, .batch = 1 << 20};
  msg = refused(wide, {.world_size = 1, .tp = 1});
  EXPECT_NE(msg.find("FLOP count per layer"), std::string::npos) << msg;

  // Each layer fits, all of them together do not.
  ModelShape deep{.hidden = 1 << 20, .heads = 1, .ffn = 1 << 20, .layers = k_max_layers, .seq = 1, .batch = 1};
  msg = refused(deep, {.world_size = 1, .tp = 1});
  EXPECT_NE(msg.find("--layers 119304647"), std::string::npos) << msg;

  s = model_preset("tiny");
  s.layers = k_max_layers + 1;
  EXPECT_NE(refused(s, two).find("--layers 119304648 is not valid; give at most 119304647"), std::string::npos);
  s.layers = k_max_layers;
  EXPECT_NO_THROW(validate_layout(s, two));
}

TEST(ModelSizes, BufferAndPlanArithmeticIsChecked) {
  const BufferSpec huge{.name = "huge", .rows = std::int64_t{1} << 62, .cols = 4};
  EXPECT_NE(usage_error_of([&] { static_cast<void>(huge.elements()); }).find("buffer huge (rows x cols) overflows"),
            std::string::npos);
  Plan plan{.dtype = DType::fp64};
  plan.add_buffer({.name = "big", .rows = std::int64_t{1} << 61, .cols = 1});
  EXPECT_NE(usage_error_of([&] { static_cast<void>(plan.buffer_bytes()); }).find("buffer big in bytes overflows"),
            std::string::npos);
  plan.ops.push_back({.name = "a", .flops = ~0ULL});
  plan.ops.push_back({.name = "b", .flops = 1});
  EXPECT_NE(usage_error_of([&] { static_cast<void>(plan.flops_per_iteration()); }).find("FLOPs per iteration"),
            std::string::npos);
}

}  // namespace
}  // namespace flopwall
