// Serve mode: the plan against its closed-form size and FLOPs, the KV-cache
// attention kernel against a double-precision reference, and the report's
// TTFT/TPOT extraction from synthetic step spans.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "analysis/sections/serve_section.hpp"
#include "cli/run_config.hpp"
#include "core/bfloat16.hpp"
#include "kernels/cpu/kernels.hpp"
#include "model/serve_plan.hpp"

namespace flopwall {
namespace {

using u64 = std::uint64_t;

const ModelShape k_shape{.hidden = 64, .heads = 4, .ffn = 128, .layers = 2, .seq = 8, .batch = 2};

TEST(ServePlan, SizeEqualsTheBuiltPlanForEveryDtypeSplitAndHitRate) {
  for (DType dtype : {DType::fp32, DType::fp64, DType::bf16, DType::fp8})
    for (int tp : {1, 2})
      for (double hit : {0.0, 0.5, 1.0}) {
        const ServeShape serve{.prompt_len = 10, .decode_steps = 3, .kv_hit = hit, .requests = 3};
        const ParallelLayout layout{.world_size = 2 * tp, .tp = tp};
        const PlanSize size = serve_plan_size(k_shape, serve, layout, dtype);
        const Plan p = build_serve_plan(k_shape, serve, layout, 2 * tp - 1, dtype);
        EXPECT_EQ(size.buffer_bytes, p.buffer_bytes());
        EXPECT_EQ(size.buffers, p.buffers.size());
        EXPECT_EQ(size.ops, p.ops.size());
        EXPECT_EQ(size.flops_per_iteration, p.flops_per_iteration());
        std::int64_t largest = 0, filled = 0;
        for (const BufferSpec& b : p.buffers) {
          largest = std::max(largest, b.elements());
          if (b.fill != BufferFill::zero) filled = std::max(filled, b.elements());
        }
        EXPECT_EQ(size.largest_buffer_elements, largest);
        EXPECT_EQ(size.largest_filled_elements, filled);
      }
}

TEST(ServePlan, OpsCarryTheirStepUnrolledOverLayers) {
  const ServeShape serve{.prompt_len = 6, .decode_steps = 4, .kv_hit = 0.5, .requests = 2};
  const Plan p = build_serve_plan(k_shape, serve, {.world_size = 2, .tp = 2}, 0, DType::fp32);
  std::vector<int> per_step(5, 0);
  for (const Op& op : p.ops) {
    ASSERT_GE(op.step, -1);
    ++per_step[static_cast<std::size_t>(op.step + 1)];
    EXPECT_EQ(op.step >= 0, op.name.starts_with("decode_")) << op.name;
  }
  for (int n : per_step) EXPECT_EQ(n, 13 * k_shape.layers);  // 11 ops + 2 allreduces per layer
}

// FLOPs of one layer of the closed form (docs/metrics.md, "Serve mode").
u64 gemm_flops_per_token(const ModelShape& s, int tp) {
  const u64 h = static_cast<u64>(s.hidden), h_l = h / tp, f_l = static_cast<u64>(s.ffn) / tp;
  return 8 * h * h_l + 4 * h * f_l;
}

TEST(ServePlan, PrefixCacheHitsReducePrefillFlopsExactly) {
  const int tp = 2;
  const ParallelLayout layout{.world_size = 2, .tp = tp};
  const ServeShape cold{.prompt_len = 12, .decode_steps = 2, .kv_hit = 0.0, .requests = 3};
  ServeShape warm = cold;
  warm.kv_hit = 0.5;
  ASSERT_EQ(warm.cached_tokens(), 6);
  const u64 f0 = build_serve_plan(k_shape, cold, layout, 0, DType::fp32).flops_per_iteration();
  const u64 f1 = build_serve_plan(k_shape, warm, layout, 0, DType::fp32).flops_per_iteration();
  const u64 R = 3, heads_l = 2, d = 16, layers = 2;
  // n = 12, c = 0: positions 12·13/2 = 78; n = 6, c = 6: 6·6 + 6·7/2 = 57.
  const u64 gemm_saved = R * (12 - 6) * gemm_flops_per_token(k_shape, tp);
  const u64 attn_saved = 4 * R * heads_l * d * (78 - 57);
  EXPECT_EQ(f0 - f1, layers * (gemm_saved + attn_saved));
  // A full hit still computes the last prompt token.
  ServeShape full = cold;
  full.kv_hit = 1.0;
  EXPECT_EQ(full.cached_tokens(), 11);
  EXPECT_EQ(full.new_tokens(), 1);
}

TEST(ServePlan, FlopCountsMatchClosedForms) {
  const int tp = 2;
  const ServeShape serve{.prompt_len = 9, .decode_steps = 5, .kv_hit = 1.0 / 3.0, .requests = 2};
  const Plan p = build_serve_plan(k_shape, serve, {.world_size = 2, .tp = tp}, 1, DType::fp32);
  u64 decode_attention = 0, prefill_attention = 0, decode_gemm = 0, prefill_gemm = 0;
  for (const Op& op : p.ops) {
    if (op.name == "decode_attention") decode_attention += op.flops;
    if (op.name == "cached_attention") prefill_attention += op.flops;
    if (std::holds_alternative<DeviceOp>(op.params) && std::holds_alternative<GemmOp>(std::get<DeviceOp>(op.params)))
      (op.step < 0 ? prefill_gemm : decode_gemm) += op.flops;
  }
  const u64 R = 2, heads_l = 2, d = 16, layers = 2, P = 9, S = 5, c = 3, n = 6;
  u64 positions = 0;
  for (u64 j = 0; j < S; ++j) positions += P + j + 1;  // decode step j sees P + j + 1 positions
  EXPECT_EQ(decode_attention, layers * 4 * R * heads_l * d * positions);
  EXPECT_EQ(prefill_attention, layers * 4 * R * heads_l * d * (n * c + n * (n + 1) / 2));
  EXPECT_EQ(prefill_gemm, layers * R * n * gemm_flops_per_token(k_shape, tp));
  EXPECT_EQ(decode_gemm, layers * R * S * gemm_flops_per_token(k_shape, tp));
  EXPECT_EQ(kv_bytes_per_token(k_shape, DType::fp32), 2u * 2 * 64 * 4);
}

TEST(ServePlan, RefusesBadShapesAndNamesTheFlag) {
  const auto message = [](ServeShape s) {
    try {
      validate_serve_shape(s);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("<accepted>");
  };
  const ServeShape ok{.prompt_len = 4, .decode_steps = 2, .kv_hit = 0.5, .requests = 1};
  EXPECT_EQ(message(ok), "<accepted>");
  ServeShape s = ok;
  s.kv_hit = std::nan("");
  EXPECT_NE(message(s).find("--kv-hit"), std::string::npos);
  s = ok;
  s.kv_hit = 1.01;
  EXPECT_NE(message(s).find("--kv-hit"), std::string::npos);
  s = ok;
  s.decode_steps = 0;
  EXPECT_NE(message(s).find("--decode-steps 0"), std::string::npos);
  s = ok;
  s.requests = -1;
  EXPECT_NE(message(s).find("--requests -1"), std::string::npos);
}

TEST(ServePlan, LargestRequestsFittingIsTheClosedFormBoundary) {
  const ServeShape serve{.prompt_len = 32, .decode_steps = 8, .kv_hit = 0.25, .requests = 1};
  const ParallelLayout layout{.world_size = 2, .tp = 2};
  ServeShape r = serve;
  r.requests = 37;
  const u64 bytes37 = serve_plan_size(k_shape, r, layout, DType::fp32).buffer_bytes;
  EXPECT_EQ(largest_requests_fitting(k_shape, serve, layout, DType::fp32, bytes37), 37);
  EXPECT_EQ(largest_requests_fitting(k_shape, serve, layout, DType::fp32, bytes37 - 1), 36);
  EXPECT_EQ(largest_requests_fitting(k_shape, serve, layout, DType::fp32, 10), 0);
}

// Naive double-precision attention of one query over positions 0..last.
void reference(const std::vector<double>& qkv, const std::vector<double>& cache, std::vector<double>& out,
               std::int64_t requests, std::int64_t heads, std::int64_t tokens, std::int64_t start, std::int64_t len,
               std::int64_t d) {
  const std::int64_t w = heads * d;
  for (std::int64_t r = 0; r < requests; ++r)
    for (std::int64_t i = 0; i < tokens; ++i)
      for (std::int64_t h = 0; h < heads; ++h) {
        std::vector<double> s;
        for (std::int64_t p = 0; p <= start + i; ++p) {
          double dot = 0;
          for (std::int64_t x = 0; x < d; ++x)
            dot += qkv[(r * tokens + i) * 3 * w + h * d + x] * cache[(r * len + p) * 2 * w + h * d + x];
          s.push_back(dot / std::sqrt(static_cast<double>(d)));
        }
        const double m = *std::max_element(s.begin(), s.end());
        double sum = 0;
        for (double& v : s) sum += (v = std::exp(v - m));
        for (std::int64_t x = 0; x < d; ++x) {
          double acc = 0;
          for (std::size_t p = 0; p < s.size(); ++p)
            acc += s[p] * cache[(r * len + static_cast<std::int64_t>(p)) * 2 * w + w + h * d + x];
          out[(r * tokens + i) * w + h * d + x] = acc / sum;
        }
      }
}

TEST(DecodeAttention, MatchesADoublePrecisionReferenceAtSeveralCacheLengths) {
  const std::int64_t requests = 2, heads = 3, d = 8, w = heads * d;
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> u(-2, 2);
  for (std::int64_t len : {1, 7, 64, 300})
    for (std::int64_t tokens : {std::int64_t{1}, std::min<std::int64_t>(len, 5)}) {
      const std::int64_t start = len - tokens;
      std::vector<double> qkv(static_cast<std::size_t>(requests * tokens * 3 * w)),
          cache(static_cast<std::size_t>(requests * len * 2 * w));
      for (double& v : qkv) v = u(gen);
      for (double& v : cache) v = u(gen);
      // The kernel under test writes the new tokens' K | V first, as the plan does.
      std::vector<float> qkv_f(qkv.begin(), qkv.end()), cache_f(cache.begin(), cache.end());
      kernels::cpu::kv_write<float>(qkv_f.data(), cache_f.data(), requests, tokens, start, len, w);
      kernels::cpu::kv_write<double>(qkv.data(), cache.data(), requests, tokens, start, len, w);
      for (std::size_t k = 0; k < cache.size(); ++k) ASSERT_EQ(cache_f[k], static_cast<float>(cache[k]));
      std::vector<float> out_f(static_cast<std::size_t>(requests * tokens * w));
      std::vector<double> out(out_f.size()), expected(out_f.size());
      kernels::cpu::cached_attention<float>(qkv_f.data(), cache_f.data(), out_f.data(), requests, heads, tokens, start,
                                            len, d);
      kernels::cpu::cached_attention<double>(qkv.data(), cache.data(), out.data(), requests, heads, tokens, start,
                                             len, d);
      reference(qkv, cache, expected, requests, heads, tokens, start, len, d);
      for (std::size_t k = 0; k < out.size(); ++k) {
        EXPECT_NEAR(out[k], expected[k], 1e-12) << "len " << len << " tokens " << tokens;
        EXPECT_NEAR(out_f[k], expected[k], 2e-5) << "len " << len << " tokens " << tokens;
      }
    }
}

TEST(DecodeAttention, Bf16StorageComputesInFp32) {
  // bf16 inputs (the reference reads the same rounded values), fp32 arithmetic,
  // one rounding of each output: within bf16's half ulp of outputs below 2.
  const std::int64_t requests = 2, heads = 4, d = 32, w = heads * d;
  std::mt19937 gen(11);
  std::uniform_real_distribution<float> u(-2, 2);
  for (std::int64_t len : {1, 17, 200}) {
    const std::int64_t tokens = 1, start = len - tokens;
    std::vector<BFloat16> qkv(static_cast<std::size_t>(requests * tokens * 3 * w)),
        cache(static_cast<std::size_t>(requests * len * 2 * w));
    for (BFloat16& v : qkv) v = BFloat16(u(gen));
    for (BFloat16& v : cache) v = BFloat16(u(gen));
    kernels::cpu::kv_write<BFloat16>(qkv.data(), cache.data(), requests, tokens, start, len, w);
    std::vector<BFloat16> out(static_cast<std::size_t>(requests * tokens * w));
    kernels::cpu::cached_attention<BFloat16>(qkv.data(), cache.data(), out.data(), requests, heads, tokens, start, len,
                                             d);
    const std::vector<double> qkv_d(qkv.begin(), qkv.end()), cache_d(cache.begin(), cache.end());
    std::vector<double> expected(out.size());
    reference(qkv_d, cache_d, expected, requests, heads, tokens, start, len, d);
    for (std::size_t k = 0; k < out.size(); ++k)
      EXPECT_NEAR(static_cast<float>(out[k]), expected[k], 8e-3) << "len " << len;
  }
}

TEST(ServeTiming, TtftTpotAndLatencyFromStepSpans) {
  // Two waves of 2 decode steps; ranks' spans already merged per (iter, step).
  std::vector<ServeStepSpan> spans = {
      {.iter = 0, .step = -1, .start_ns = 1000, .end_ns = 5000},  {.iter = 0, .step = 0, .start_ns = 5000, .end_ns = 6000},
      {.iter = 0, .step = 1, .start_ns = 6000, .end_ns = 8000},   {.iter = 1, .step = -1, .start_ns = 9000, .end_ns = 12000},
      {.iter = 1, .step = 0, .start_ns = 12000, .end_ns = 15000}, {.iter = 1, .step = 1, .start_ns = 15000, .end_ns = 16000},
      {.iter = 2, .step = -1, .start_ns = 17000, .end_ns = 18000},  // incomplete: left out
  };
  const ServeFigures f = serve_timing(spans, 2, 4, 2);
  EXPECT_EQ(f.waves, 2);
  EXPECT_DOUBLE_EQ(f.ttft_s.p50, 3.5e-6);  // 4 µs and 3 µs
  EXPECT_DOUBLE_EQ(f.request_latency_s.p50, 7e-6);  // 7 µs both
  EXPECT_DOUBLE_EQ(f.mean_wave_s, 7e-6);
  EXPECT_DOUBLE_EQ(f.tokens_per_s, 4.0 * 2 * 2 / 7e-6);
  EXPECT_LE(f.tpot_s.p50, f.tpot_s.p99);
  EXPECT_GE(f.tpot_s.p50, 1e-6);
  EXPECT_LE(f.tpot_s.p99, 3e-6);
}

TEST(ServeTiming, MergedSpansWidenAcrossRanks) {
  std::vector<ServeStepSpan> spans;
  widen_serve_span(spans, {.iter = 0, .step = 0, .start_ns = 10, .end_ns = 20});
  widen_serve_span(spans, {.iter = 0, .step = -1, .start_ns = 0, .end_ns = 9});
  widen_serve_span(spans, {.iter = 0, .step = 0, .start_ns = 12, .end_ns = 25});  // another rank, later end
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].step, -1);
  EXPECT_EQ(spans[1].start_ns, 10);
  EXPECT_EQ(spans[1].end_ns, 25);
}

TEST(ServeOptions, ParsesTheModeAndDefaultsRequestsToBatch) {
  const RunConfig prefill = parse_run_options({});
  EXPECT_EQ(prefill.mode, RunMode::prefill);
  const RunConfig c = parse_run_options(
      {"--mode", "serve", "--prompt-len", "32", "--decode-steps", "4", "--kv-hit", "0.25", "--batch", "3"});
  EXPECT_EQ(c.mode, RunMode::serve);
  EXPECT_EQ(c.serve.prompt_len, 32);
  EXPECT_EQ(c.serve.decode_steps, 4);
  EXPECT_DOUBLE_EQ(c.serve.kv_hit, 0.25);
  EXPECT_EQ(c.serve.requests, 3);
  EXPECT_EQ(c.serve.cached_tokens(), 8);
  const auto j = nlohmann::json::parse(run_config_json(c, {.world_size = 2, .tp = 2}));
  EXPECT_EQ(j["mode"], "serve");
  EXPECT_EQ(j["requests"], 3);
  EXPECT_EQ(j["kv_bytes_per_token"], kv_bytes_per_token(c.shape, c.dtype));
  EXPECT_THROW(parse_run_options({"--mode", "serve", "--prompt-len", "8", "--decode-steps", "2"}), UsageError);
  EXPECT_THROW(parse_run_options({"--kv-hit", "0.5"}), UsageError);
}

}  // namespace
}  // namespace flopwall
