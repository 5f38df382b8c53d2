// The calibration's JSON model (every rule of the schema), the allreduce
// alpha/beta fit in the calibration's units, the sizing rules, and the
// triad kernel.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "backend/device_calibration.hpp"
#include "kernels/cpu/triad.hpp"
#include "runtime/device_calibration_job.hpp"
#include "sweep/calibration_tiers.hpp"
#include "sweep/sweep_result.hpp"
#include "trace/calibration_json.hpp"

namespace flopwall {
namespace {

Calibration sample() {
  Calibration c{.source = "calibrate", .created_utc = "2026-12-06T16:30:00Z", .backend = "cpu"};
  for (int r = 0; r < 2; ++r)
    c.devices.push_back({.rank = r, .host = "node01", .threads = 1, .gemm_flops = {{"fp32", 8.4e10}, {"fp64", 4.1e10}},
                         .gemm_n = 2048, .mem_bw_bytes_per_s = 2.1e10, .triad_bytes = 268435456,
                         .op_overhead_s = 2e-6});
  c.tiers.push_back({.tier = "world", .ranks = 2, .collective = "allreduce", .alpha_s = 3.1e-6,
                     .beta_s_per_byte = 2.5e-10, .busbw_bytes_per_s = 4e9});
  return c;
}

TEST(CalibrationJson, RoundTripsEveryField) {
  const Calibration c = sample();
  const Calibration back = parse_calibration(calibration_to_string(c));
  EXPECT_EQ(back.version, 1);
  EXPECT_EQ(back.source, "calibrate");
  EXPECT_EQ(back.created_utc, c.created_utc);
  EXPECT_EQ(back.backend, "cpu");
  ASSERT_EQ(back.devices.size(), 2u);
  EXPECT_EQ(back.devices[1].rank, 1);
  EXPECT_EQ(back.devices[1].host, "node01");
  EXPECT_EQ(back.devices[1].gemm_flops, c.devices[1].gemm_flops);
  EXPECT_EQ(back.devices[1].gemm_n, 2048);
  EXPECT_DOUBLE_EQ(back.devices[1].mem_bw_bytes_per_s, 2.1e10);
  EXPECT_EQ(back.devices[1].triad_bytes, 268435456);
  EXPECT_DOUBLE_EQ(back.devices[1].op_overhead_s, 2e-6);
  ASSERT_EQ(back.tiers.size(), 1u);
  EXPECT_EQ(back.tiers[0].tier, "world");
  EXPECT_DOUBLE_EQ(back.tiers[0].alpha_s, 3.1e-6);
  EXPECT_DOUBLE_EQ(back.tiers[0].beta_s_per_byte, 2.5e-10);
  EXPECT_DOUBLE_EQ(back.tiers[0].busbw_bytes_per_s, 4e9);
  EXPECT_FALSE(calibration_to_json(c).contains("file"));
  Calibration f = c;
  f.source = "file";
  f.file = "cal.json";
  EXPECT_EQ(parse_calibration(calibration_to_string(f)).file, "cal.json");
}

TEST(CalibrationJson, IgnoresKeysItDoesNotKnow) {
  nlohmann::json j = calibration_to_json(sample());
  j["added_by_a_newer_writer"] = 1;
  j["devices"][0]["more"] = "x";
  EXPECT_NO_THROW(calibration_from_json(j));
}

// Each edit breaks one rule; the error names the key it is about.
TEST(CalibrationJson, RejectsEveryBrokenRule) {
  using Edit = std::function<void(nlohmann::json&)>;
  const std::vector<std::pair<Edit, std::string>> cases = {
      {[](auto& j) { j["version"] = 2; }, "version 2"},
      {[](auto& j) { j["version"] = "1"; }, "version is not an integer"},
      {[](auto& j) { j.erase("source"); }, "no \"source\""},
      {[](auto& j) { j["source"] = "guess"; }, "source \"guess\""},
      {[](auto& j) { j["source"] = "file"; }, "non-empty \"file\""},
      {[](auto& j) { j["file"] = "x.json"; }, "\"file\" is given"},
      {[](auto& j) { j["created_utc"] = "yesterday"; }, "created_utc"},
      {[](auto& j) { j["backend"] = "tpu"; }, "backend \"tpu\""},
      {[](auto& j) { j["devices"] = nlohmann::json::array(); }, "devices is empty"},
      {[](auto& j) { j["devices"] = 3; }, "devices is not an array"},
      {[](auto& j) { j["devices"][0] = 3; }, "devices[0] is not an object"},
      {[](auto& j) { j["devices"][1]["rank"] = 0; }, "devices[1].rank"},
      {[](auto& j) { j["devices"][0]["rank"] = -1; }, "devices[0].rank"},
      {[](auto& j) { j["devices"][0]["host"] = ""; }, "host is empty"},
      {[](auto& j) { j["devices"][0]["threads"] = 0; }, "threads"},
      {[](auto& j) { j["devices"][0]["gemm_flops"] = nlohmann::json::object(); }, "names no dtype"},
      {[](auto& j) { j["devices"][0]["gemm_flops"] = 3; }, "gemm_flops is not an object"},
      {[](auto& j) { j["devices"][0]["gemm_flops"]["int4"] = 1e9; }, "\"int4\""},
      {[](auto& j) { j["devices"][0]["gemm_flops"]["fp32"] = 0; }, "gemm_flops.fp32"},
      {[](auto& j) { j["devices"][0]["gemm_flops"]["fp32"] = "fast"; }, "gemm_flops.fp32 is not a number"},
      {[](auto& j) { j["devices"][0]["gemm_n"] = 0; }, "gemm_n"},
      {[](auto& j) { j["devices"][0]["gemm_n"] = 1.5; }, "gemm_n is not an integer"},
      {[](auto& j) { j["devices"][0]["mem_bw_bytes_per_s"] = -1; }, "mem_bw_bytes_per_s"},
      {[](auto& j) { j["devices"][0]["triad_bytes"] = 0; }, "triad_bytes"},
      {[](auto& j) { j["devices"][0]["op_overhead_s"] = 0; }, "op_overhead_s"},
      {[](auto& j) { j["devices"][0].erase("op_overhead_s"); }, "no \"op_overhead_s\""},
      {[](auto& j) { j["tiers"] = nlohmann::json::object(); }, "tiers is not an array"},
      {[](auto& j) { j["tiers"][0]["tier"] = "rack"; }, "tier \"rack\""},
      {[](auto& j) { j["tiers"][0]["ranks"] = 1; }, "tiers[0].ranks"},
      {[](auto& j) { j["tiers"][0]["ranks"] = 3; }, "tiers[0].ranks"},
      {[](auto& j) { j["tiers"][0]["collective"] = "broadcast"; }, "collective \"broadcast\""},
      {[](auto& j) { j["tiers"][0]["alpha_s"] = -1e-6; }, "alpha_s"},
      {[](auto& j) { j["tiers"][0]["beta_s_per_byte"] = -1; }, "beta_s_per_byte"},
      {[](auto& j) { j["tiers"][0]["busbw_bytes_per_s"] = 0; }, "busbw_bytes_per_s must be 0 exactly"},
      {[](auto& j) { j["tiers"].push_back(j["tiers"][0]); }, "appears twice"},
  };
  for (const auto& [edit, expected] : cases) {
    nlohmann::json j = calibration_to_json(sample());
    edit(j);
    try {
      calibration_from_json(j);
      ADD_FAILURE() << "accepted: " << expected;
    } catch (const CalibrationError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(expected), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }
}

TEST(CalibrationJson, RejectsWhatIsNotJsonOrNotAnObject) {
  EXPECT_THROW(parse_calibration("{\"version\": 1,"), CalibrationError);
  EXPECT_THROW(parse_calibration("[1, 2]"), CalibrationError);
  EXPECT_THROW(parse_calibration(""), CalibrationError);
}

TEST(CalibrationJson, WritingValidatesToo) {
  Calibration c = sample();
  c.devices[0].gemm_flops["fp32"] = std::nan("");
  EXPECT_THROW(calibration_to_json(c), CalibrationError);
}

// Synthetic sweep points with a known alpha and beta come back from the
// sweep's fitter, in the calibration's units.
TEST(CalibrationFit, RecoversKnownAlphaAndBeta) {
  const double alpha_s = 5e-6, beta_s_per_byte = 1.0 / 10e9;  // 5 us, 10 GB/s
  std::vector<std::pair<double, double>> points;
  for (double bytes = 8; bytes <= (16 << 20); bytes *= 4) points.emplace_back(bytes, (alpha_s + beta_s_per_byte * bytes) * 1e6);
  SweepFit fit = fit_alpha_beta(points);
  fit.tier = "world";
  fit.collective = "allreduce";
  std::string note;
  const CalibrationTier t = tier_from_fit(fit, 4, note);
  EXPECT_NEAR(t.alpha_s, alpha_s, 1e-12);
  EXPECT_NEAR(t.beta_s_per_byte, beta_s_per_byte, 1e-16);
  EXPECT_NEAR(t.busbw_bytes_per_s, 1.5 * 10e9, 1e3);  // allreduce busbw factor 2(n−1)/n at n = 4
  EXPECT_TRUE(note.empty());
  // The all-to-all's own factor, (n−1)/n.
  fit.collective = "alltoall";
  const CalibrationTier a2a = tier_from_fit(fit, 4, note);
  EXPECT_EQ(a2a.collective, "alltoall");
  EXPECT_NEAR(a2a.busbw_bytes_per_s, 0.75 * 10e9, 1e3);
}

TEST(CalibrationJson, OneFitPerTierAndCollective) {
  Calibration c;
  c.source = "calibrate";
  c.created_utc = "2026-12-06T16:30:00Z";
  c.backend = "cpu";
  for (int r = 0; r < 2; ++r)
    c.devices.push_back({.rank = r, .host = "h", .gemm_flops = {{"fp32", 1e11}}, .gemm_n = 256,
                         .mem_bw_bytes_per_s = 2e10, .triad_bytes = 1024, .op_overhead_s = 1e-6});
  c.tiers.push_back({.tier = "world", .ranks = 2, .collective = "allreduce", .alpha_s = 3e-6, .beta_s_per_byte = 1e-10,
                     .busbw_bytes_per_s = 1e10});
  c.tiers.push_back({.tier = "world", .ranks = 2, .collective = "alltoall", .alpha_s = 4e-6, .beta_s_per_byte = 1e-10,
                     .busbw_bytes_per_s = 5e9});
  EXPECT_NO_THROW(validate_calibration(c));
  c.tiers.push_back(c.tiers[1]);
  try {
    validate_calibration(c);
    ADD_FAILURE() << "a second world alltoall fit was accepted";
  } catch (const CalibrationError& e) {
    EXPECT_NE(std::string(e.what()).find("appears twice for alltoall"), std::string::npos) << e.what();
  }
}

TEST(CalibrationFit, FlatTimesHaveNoBandwidthAndNegativeInterceptsAreSaid) {
  std::string note;
  const CalibrationTier flat = tier_from_fit({.collective = "allreduce", .tier = "world", .alpha_us = 3, .beta_gbs = 0,
                                              .points = 4}, 2, note);
  EXPECT_DOUBLE_EQ(flat.alpha_s, 3e-6);
  EXPECT_EQ(flat.beta_s_per_byte, 0);
  EXPECT_EQ(flat.busbw_bytes_per_s, 0);
  const CalibrationTier negative = tier_from_fit({.collective = "allreduce", .tier = "intra", .alpha_us = -2,
                                                  .beta_gbs = 5, .points = 4}, 2, note);
  EXPECT_EQ(negative.alpha_s, 0);
  EXPECT_NE(note.find("negative"), std::string::npos);
}

TEST(CalibrationSizing, GemmSizeFitsTheBudget) {
  using namespace calibration;
  // 1e11 FLOP/s, 1 s: 4 calls of 2n³ fit for n = 2048 (4 × 17.2 GFLOP = 0.69 s), not 4096.
  const GemmSizing s = size_gemm(1e11, 1.0, 64, 8192);
  EXPECT_EQ(s.n, 2048);
  EXPECT_EQ(s.reps, 4);  // floor(1 / 0.172) − 1 warm-up
  EXPECT_EQ(size_gemm(1e11, 1e-9, 64, 8192).n, 64);           // nothing fits: the smallest
  EXPECT_EQ(size_gemm(1e11, 1e-9, 64, 8192).reps, k_min_reps);
  EXPECT_EQ(size_gemm(1e15, 100, 64, 1024).n, 1024);          // capped
  EXPECT_EQ(size_gemm(1e15, 100, 64, 1024).reps, k_max_reps);
  EXPECT_EQ(size_gemm(0, 1, 64, 1024).n, 64);                 // a probe that measured nothing
  EXPECT_DOUBLE_EQ(gemm_flops(1024), 2.0 * 1024 * 1024 * 1024);
}

TEST(CalibrationSizing, TriadSpansSeveralCaches) {
  using namespace calibration;
  const std::int64_t n = triad_elements(32 << 20, 8);
  EXPECT_EQ(n % 64, 0);
  EXPECT_GE(3 * n * 8, 4 * (32ll << 20) - 3 * 64 * 8);
  EXPECT_LE(3 * n * 8, 4 * (32ll << 20));
  EXPECT_EQ(triad_elements(0, 8), triad_elements(k_fallback_cache_bytes, 8));  // unknown: the stated fallback
  EXPECT_EQ(triad_reps(0.01, 0.1), 9);
  EXPECT_EQ(triad_reps(1, 0.1), k_min_reps);
}

TEST(CalibrationTriad, MatchesTheFormula) {
  for (std::int64_t count : {1, 7, 64, 1000}) {
    std::vector<float> a(static_cast<std::size_t>(count)), b(a.size()), c(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      b[i] = static_cast<float>(i) * 0.5f;
      c[i] = 1.0f - static_cast<float>(i);
    }
    kernels::cpu::triad<float>(a.data(), b.data(), c.data(), 3.0f, count);
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(a[i], b[i] + 3.0f * c[i]) << i;
  }
  std::vector<double> a(5), b(5, 1.0), c(5, 2.0);
  kernels::cpu::triad<double>(a.data(), b.data(), c.data(), 3.0, 5);
  for (double v : a) EXPECT_EQ(v, 7.0);
}

TEST(CalibrationDevice, CarriesTheMeasurementUnderDtypeNames) {
  const DeviceMeasurement m{.gemm_flops = {{DType::fp32, 1e11}, {DType::fp64, 5e10}}, .gemm_n = 512,
                            .mem_bw_bytes_per_s = 1e10, .triad_bytes = 3 * 64, .op_overhead_s = 1e-7};
  const CalibrationDevice d = to_calibration_device(m, 3, "node07", 2);
  EXPECT_EQ(d.rank, 3);
  EXPECT_EQ(d.host, "node07");
  EXPECT_EQ(d.threads, 2);
  EXPECT_DOUBLE_EQ(d.gemm_flops.at("fp32"), 1e11);
  EXPECT_DOUBLE_EQ(d.gemm_flops.at("fp64"), 5e10);
  EXPECT_EQ(d.gemm_n, 512);
  const CalibrationDevice back = calibration_device_from_json(calibration_device_to_json(d));
  EXPECT_EQ(back.gemm_flops, d.gemm_flops);
  EXPECT_EQ(back.triad_bytes, d.triad_bytes);
}

}  // namespace
}  // namespace flopwall
