// The roofline (src/analysis/roofline.hpp): intensity, the ceiling on both
// sides of the ridge, every bound class, ranks' ceilings combined, the
// calibration_json reader, and the report section with and without a
// calibration in /meta.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "analysis/report.hpp"
#include "analysis/roofline.hpp"
#include "analysis/roofline_ceilings.hpp"
#include "analysis/sections/roofline_section.hpp"

using namespace flopwall;

namespace {

// 100 GFLOP/s, 20 GB/s: the ridge at 5 FLOP/B; 2 us per op.
DeviceCeiling device(int rank, double peak = 1e11, double bw = 2e10, double overhead = 2e-6) {
  return {.rank = rank, .host = "h", .peak_flops_per_s = peak, .mem_bw_bytes_per_s = bw, .op_overhead_s = overhead};
}

OpWork work(OpKind kind, double flops, double bytes_mem, double bytes_comm, double time_s, std::uint64_t events = 1) {
  return {.kind = kind, .events = events, .flops = flops, .bytes_mem = bytes_mem, .bytes_comm = bytes_comm,
          .time_s = time_s};
}

TierCeiling tier(double alpha_s, double busbw) {
  return {.tier = "world", .ranks = 2, .collective = "allreduce", .alpha_s = alpha_s, .beta_s_per_byte = 1 / busbw,
          .busbw_bytes_per_s = busbw};
}

}  // namespace

TEST(Roofline, IntensityIsFlopsPerMemoryByte) {
  EXPECT_DOUBLE_EQ(arithmetic_intensity(1000, 250), 4.0);
  EXPECT_EQ(arithmetic_intensity(0, 250), 0.0);
  EXPECT_TRUE(std::isnan(arithmetic_intensity(1000, 0)));
}

TEST(Roofline, CeilingOnBothSidesOfTheRidge) {
  EXPECT_DOUBLE_EQ(ridge_point(1e11, 2e10), 5.0);
  EXPECT_DOUBLE_EQ(roofline_ceiling(1e11, 2e10, 2.0), 4e10);   // below the ridge: intensity · bandwidth
  EXPECT_DOUBLE_EQ(roofline_ceiling(1e11, 2e10, 50.0), 1e11);  // past it: the peak
  EXPECT_DOUBLE_EQ(roofline_ceiling(1e11, 2e10, 5.0), 1e11);   // at it: both
  EXPECT_TRUE(std::isnan(ridge_point(0, 2e10)));
}

TEST(Roofline, HarmonicMeanOfRanks) {
  const std::vector<double> v{1.0, 4.0};
  EXPECT_DOUBLE_EQ(harmonic_mean(v), 1.6);
  EXPECT_TRUE(std::isnan(harmonic_mean({})));
  const std::vector<double> bad{1.0, 0.0};
  EXPECT_TRUE(std::isnan(harmonic_mean(bad)));
}

TEST(Roofline, ComputeBoundPastTheRidge) {
  const std::vector<DeviceCeiling> devices{device(0), device(1)};
  // 10 FLOP/B; 1e9 FLOPs in 20 ms: 50 GFLOP/s of 100.
  const RooflinePoint p = device_op_roofline(work(OpKind::compute, 1e9, 1e8, 0, 0.02), devices);
  EXPECT_DOUBLE_EQ(p.intensity, 10.0);
  EXPECT_DOUBLE_EQ(p.achieved_flops_per_s, 5e10);
  EXPECT_DOUBLE_EQ(p.achieved_bytes_per_s, 5e9);
  EXPECT_EQ(p.unit, CeilingUnit::flops_per_s);
  ASSERT_TRUE(p.ceiling && p.pct_of_ceiling && p.bound);
  EXPECT_DOUBLE_EQ(*p.ceiling, 1e11);
  EXPECT_DOUBLE_EQ(*p.pct_of_ceiling, 50.0);
  EXPECT_EQ(*p.bound, Bound::compute);
}

TEST(Roofline, MemoryBoundBelowTheRidge) {
  const std::vector<DeviceCeiling> devices{device(0)};
  // 2 FLOP/B: ceiling 2 · 20 GB/s = 40 GFLOP/s; 1e9 FLOPs in 50 ms = 20 GFLOP/s.
  const RooflinePoint p = device_op_roofline(work(OpKind::compute, 1e9, 5e8, 0, 0.05), devices);
  ASSERT_TRUE(p.ceiling && p.pct_of_ceiling && p.bound);
  EXPECT_DOUBLE_EQ(*p.ceiling, 4e10);
  EXPECT_DOUBLE_EQ(*p.pct_of_ceiling, 50.0);
  EXPECT_EQ(*p.bound, Bound::memory);
}

TEST(Roofline, MemoryOpIsJudgedAgainstTheBandwidth) {
  const std::vector<DeviceCeiling> devices{device(0)};
  // No FLOPs: 1e8 bytes in 10 ms = 10 GB/s of 20.
  const RooflinePoint p = device_op_roofline(work(OpKind::memory, 0, 1e8, 0, 0.01), devices);
  EXPECT_EQ(p.intensity, 0.0);
  EXPECT_TRUE(std::isnan(p.achieved_flops_per_s));
  EXPECT_EQ(p.unit, CeilingUnit::bytes_per_s);
  ASSERT_TRUE(p.ceiling && p.pct_of_ceiling && p.bound);
  EXPECT_DOUBLE_EQ(*p.ceiling, 2e10);
  EXPECT_DOUBLE_EQ(*p.pct_of_ceiling, 50.0);
  EXPECT_EQ(*p.bound, Bound::memory);
}

TEST(Roofline, AnOpSmallerThanTheDeviceOverheadIsLatencyBound) {
  const std::vector<DeviceCeiling> devices{device(0)};
  // 10 events of 1e4 FLOPs, 1e3 bytes: ideal 0.1 us each, below 2 us.
  const RooflinePoint p = device_op_roofline(work(OpKind::compute, 1e5, 1e4, 0, 1e-4, 10), devices);
  ASSERT_TRUE(p.bound);
  EXPECT_EQ(*p.bound, Bound::latency);
  // Without a known overhead nothing is judged latency-bound.
  const std::vector<DeviceCeiling> unknown{device(0, 1e11, 2e10, std::nan(""))};
  EXPECT_EQ(*device_op_roofline(work(OpKind::compute, 1e5, 1e4, 0, 1e-4, 10), unknown).bound, Bound::compute);
}

TEST(Roofline, RanksCeilingsCombineAsTheirIdealTimesAdd) {
  // Rank 1 half as fast: equal work per rank takes 1 + 2 time units, the
  // rate of the sum is the harmonic mean, 2/3 of the faster rank's.
  const std::vector<DeviceCeiling> devices{device(0, 1e11, 2e10), device(1, 5e10, 1e10)};
  const JobCeiling job = job_ceiling(devices);
  EXPECT_DOUBLE_EQ(job.peak_flops_per_s, 2e11 / 3);
  EXPECT_DOUBLE_EQ(job.mem_bw_bytes_per_s, 4e10 / 3);
  EXPECT_DOUBLE_EQ(job.ridge_flops_per_byte, 5.0);
  EXPECT_DOUBLE_EQ(job.op_overhead_s, 2e-6);
  const RooflinePoint p = device_op_roofline(work(OpKind::compute, 1e9, 1e7, 0, 0.02), devices);
  EXPECT_DOUBLE_EQ(*p.ceiling, 2e11 / 3);
}

TEST(Roofline, CommOpAgainstItsTier) {
  // 1e6 bus bytes per event at 1 GB/s: 1 ms, past alpha 10 us.
  const TierCeiling t = tier(1e-5, 1e9);
  const RooflinePoint p = comm_op_roofline(work(OpKind::comm, 0, 0, 4e6, 8.08e-3, 4), &t);
  EXPECT_TRUE(std::isnan(p.intensity));
  EXPECT_DOUBLE_EQ(p.achieved_bytes_per_s, 4e6 / 8.08e-3);
  EXPECT_EQ(p.unit, CeilingUnit::seconds);
  ASSERT_TRUE(p.ceiling && p.pct_of_ceiling && p.bound);
  EXPECT_DOUBLE_EQ(*p.ceiling, 1.01e-3);
  EXPECT_NEAR(*p.pct_of_ceiling, 50.0, 1e-12);
  EXPECT_EQ(*p.bound, Bound::communication);
}

TEST(Roofline, SmallCollectiveIsLatencyBound) {
  // 1e3 bytes at 1 GB/s: 1 us, below alpha 10 us.
  const TierCeiling t = tier(1e-5, 1e9);
  const RooflinePoint p = comm_op_roofline(work(OpKind::comm, 0, 0, 1e3, 2.2e-5), &t);
  EXPECT_EQ(*p.bound, Bound::latency);
  EXPECT_NEAR(*p.pct_of_ceiling, 50.0, 1e-9);
  // A fit's negative intercept counts as no latency at all.
  const TierCeiling negative = tier(-1e-6, 1e9);
  EXPECT_DOUBLE_EQ(*comm_op_roofline(work(OpKind::comm, 0, 0, 1e3, 2e-6), &negative).ceiling, 1e-6);
}

TEST(Roofline, NoCalibrationGivesRatesAndNothingElse) {
  const RooflinePoint d = op_roofline(work(OpKind::compute, 1e9, 1e8, 0, 0.02), {}, nullptr);
  EXPECT_DOUBLE_EQ(d.intensity, 10.0);
  EXPECT_DOUBLE_EQ(d.achieved_flops_per_s, 5e10);
  EXPECT_FALSE(d.ceiling || d.pct_of_ceiling || d.bound);
  const RooflinePoint c = op_roofline(work(OpKind::comm, 0, 0, 1e6, 1e-3), {}, nullptr);
  EXPECT_DOUBLE_EQ(c.achieved_bytes_per_s, 1e9);
  EXPECT_FALSE(c.ceiling || c.pct_of_ceiling || c.bound);
  const std::vector<DeviceCeiling> one{device(0)};
  const RooflinePoint idle = op_roofline(work(OpKind::idle, 0, 0, 0, 1e-3), one, nullptr);
  EXPECT_FALSE(idle.ceiling || idle.bound);
}

// A calibration document as `flopwall calibrate` writes it, with `devices`
// and `tiers` spliced in.
static std::string calibration_doc(const std::string& devices, const std::string& tiers = "") {
  return R"({"version":1,"source":"calibrate","created_utc":"2026-12-06T16:30:00Z","backend":"cpu","devices":[)" +
         devices + R"(],"tiers":[)" + tiers + "]}";
}

static std::string device_json(int rank, const std::string& host, const std::string& gemm_flops, double bw,
                        double overhead) {
  return fmt::format(R"({{"rank":{},"host":"{}","threads":1,"gemm_flops":{{{}}},"gemm_n":256,)"
                     R"("mem_bw_bytes_per_s":{},"triad_bytes":1024,"op_overhead_s":{}}})",
                     rank, host, gemm_flops, bw, overhead);
}

TEST(RooflineCeilings, ReadsTheRunsDtypeForEveryRank) {
  const std::string text = calibration_doc(
      device_json(0, "a", R"("fp32":1e11,"fp64":5e10)", 2e10, 1e-6) + "," +
          device_json(1, "b", R"("fp32":5e10)", 1e10, 3e-6),
      R"({"tier":"world","ranks":2,"collective":"allreduce","alpha_s":3e-6,"beta_s_per_byte":2.5e-10,)"
      R"("busbw_bytes_per_s":4e9})");
  const CalibrationRead read = ceilings_from_calibration_json(text, "fp32", 2);
  ASSERT_TRUE(read.ceilings) << read.why_not;
  EXPECT_EQ(read.devices_why_not, "");
  EXPECT_EQ(read.ceilings->source, "calibrate");
  ASSERT_EQ(read.ceilings->devices.size(), 2u);
  EXPECT_EQ(read.ceilings->devices[0].host, "a");
  EXPECT_DOUBLE_EQ(read.ceilings->devices[1].peak_flops_per_s, 5e10);
  EXPECT_DOUBLE_EQ(read.ceilings->devices[1].op_overhead_s, 3e-6);
  ASSERT_EQ(read.ceilings->tiers.size(), 1u);
  EXPECT_DOUBLE_EQ(read.ceilings->tiers[0].busbw_bytes_per_s, 4e9);
  EXPECT_EQ(find_tier(*read.ceilings, "intra"), &read.ceilings->tiers[0]);  // falls back to world
  // Only the collective it timed: an all-to-all has no ceiling from an allreduce fit.
  EXPECT_EQ(find_tier(*read.ceilings, "world", "allreduce"), &read.ceilings->tiers[0]);
  EXPECT_EQ(find_tier(*read.ceilings, "world", "alltoallv"), nullptr);
}

TEST(RooflineCeilings, SaysWhyItCannotServe) {
  const std::string one_rank = calibration_doc(device_json(0, "a", R"("fp32":1e11)", 2e10, 1e-6));
  EXPECT_NE(ceilings_from_calibration_json(one_rank, "fp32", 2).devices_why_not.find("1 ranks, this run 2"),
            std::string::npos);
  const CalibrationRead no_dtype = ceilings_from_calibration_json(one_rank, "fp64", 1);
  ASSERT_TRUE(no_dtype.ceilings);
  EXPECT_TRUE(no_dtype.ceilings->devices.empty());
  EXPECT_NE(no_dtype.devices_why_not.find("no fp64 GEMM FLOP/s for rank 0"), std::string::npos);
  // Documents that break the schema give no ceilings and the parser's line.
  const std::string out_of_order = calibration_doc(device_json(1, "a", R"("fp32":1e11)", 2e10, 1e-6));
  const CalibrationRead misordered = ceilings_from_calibration_json(out_of_order, "fp32", 1);
  EXPECT_FALSE(misordered.ceilings);
  EXPECT_NE(misordered.why_not.find("rank order"), std::string::npos) << misordered.why_not;
  const std::string negative_bw = calibration_doc(device_json(0, "a", R"("fp32":1e11)", -1, 1e-6));
  EXPECT_FALSE(ceilings_from_calibration_json(negative_bw, "fp32", 1).ceilings);
  EXPECT_FALSE(ceilings_from_calibration_json("not json", "fp32", 1).ceilings);
  EXPECT_FALSE(ceilings_from_calibration_json("[1]", "fp32", 1).ceilings);
  const CalibrationRead deep =
      ceilings_from_calibration_json(std::string(100000, '[') + std::string(100000, ']'), "fp32", 1);
  EXPECT_FALSE(deep.ceilings);
  EXPECT_NE(deep.why_not.find("nests deeper"), std::string::npos) << deep.why_not;
  // Without the key: nothing, and why.
  const CalibrationRead none = trace_ceilings(TraceData{}, "fp32");
  EXPECT_FALSE(none.ceilings);
  EXPECT_NE(none.why_not.find("no calibration"), std::string::npos);
}

TEST(RooflineCeilings, GroupTierFromTheRanksHosts) {
  TraceData t;
  for (int r = 0; r < 4; ++r) {
    RankTrace rank{.rank = r};
    rank.info.hostname = r < 2 ? "n0" : "n1";
    rank.info.groups = {{"tp", r / 2}, {"dp", r % 2}};
    t.ranks.push_back(rank);
  }
  EXPECT_EQ(tier_of_group(t, "tp"), "intra");   // {0,1} on n0, {2,3} on n1
  EXPECT_EQ(tier_of_group(t, "dp"), "inter");   // {0,2} spans n0 and n1
  EXPECT_EQ(tier_of_group(t, "world"), "inter");  // no ids stored: one group of all
  EXPECT_EQ(tier_of_group(t, "none"), "");
}

namespace {

// Two ranks, two iterations of a GEMM (1e9 FLOPs, 1e8 bytes, 20 ms), a
// LayerNorm (1e8 bytes, 10 ms) and an allreduce (1e6 bus bytes, 2 ms).
TraceData roofline_trace(const std::string* calibration_json) {
  TraceData t;
  t.header.world_size = 2;
  t.header.backend = "cpu";
  t.header.config_json = R"({"model":"tiny","dtype":"fp32"})";
  if (calibration_json) t.header.meta.emplace_back("calibration_json", *calibration_json);
  t.ops = {{.name = "gemm", .kind = OpKind::compute, .layer = 0, .group = "none"},
           {.name = "ln", .kind = OpKind::memory, .layer = 0, .group = "none"},
           {.name = "allreduce", .kind = OpKind::comm, .layer = 0, .group = "tp"}};
  for (int r = 0; r < 2; ++r) {
    RankTrace rank{.rank = r};
    rank.info.hostname = "node0";
    rank.info.groups = {{"tp", 0}};
    for (std::int32_t i = 0; i < 2; ++i) {
      const std::int64_t base = i * 100'000'000LL;
      rank.events.push_back({i, 0, base, base + 20'000'000, 1'000'000'000, 100'000'000, 0});
      rank.events.push_back({i, 1, base + 20'000'000, base + 30'000'000, 0, 100'000'000, 0});
      rank.events.push_back({i, 2, base + 30'000'000, base + 32'000'000, 0, 0, 1'000'000});
    }
    t.ranks.push_back(rank);
  }
  return t;
}

const nlohmann::json& op_entry(const nlohmann::json& report, const std::string& name) {
  for (const auto& o : report["ops"])
    if (o["name"] == name) return o;
  throw std::runtime_error("no op " + name);
}

}  // namespace

TEST(RooflineSection, CalibratedFiguresInEveryFormat) {
  std::string cal = calibration_doc(device_json(0, "node0", R"("fp32":1e11)", 2e10, 2e-6) + "," +
                                        device_json(1, "node0", R"("fp32":1e11)", 2e10, 2e-6),
                                    R"({"tier":"world","ranks":2,"collective":"allreduce","alpha_s":1e-5,)"
                                    R"("beta_s_per_byte":1e-9,"busbw_bytes_per_s":1e9})");
  cal.replace(cal.find("\"calibrate\""), 11, "\"run-short\"");
  const TraceData t = roofline_trace(&cal);
  const Report report = Report::build(t, "r.h5", std::nullopt);
  const nlohmann::json j = report.json();
  // gemm: 10 FLOP/B, 50 GFLOP/s of 100; ln: 10 GB/s of 20; allreduce: 1.01 ms ideal of 2 ms.
  EXPECT_DOUBLE_EQ(op_entry(j, "gemm")["intensity"].get<double>(), 10.0);
  EXPECT_EQ(op_entry(j, "gemm")["bound"], "compute");
  EXPECT_DOUBLE_EQ(op_entry(j, "gemm")["pct_of_ceiling"].get<double>(), 50.0);
  EXPECT_EQ(op_entry(j, "ln")["bound"], "memory");
  EXPECT_DOUBLE_EQ(op_entry(j, "ln")["pct_of_ceiling"].get<double>(), 50.0);
  EXPECT_TRUE(op_entry(j, "allreduce")["intensity"].is_null());
  EXPECT_EQ(op_entry(j, "allreduce")["bound"], "communication");
  EXPECT_NEAR(op_entry(j, "allreduce")["pct_of_ceiling"].get<double>(), 50.5, 1e-9);
  // The per-op table's own keys are still there.
  EXPECT_TRUE(op_entry(j, "gemm").contains("gflops_per_s"));
  const nlohmann::json& roof = j["roofline"];
  EXPECT_EQ(roof["source"], "run-short");
  EXPECT_DOUBLE_EQ(roof["ridge_flops_per_byte"].get<double>(), 5.0);
  EXPECT_EQ(roof["ops"][2]["tier"], "world");  // no intra tier in the calibration: world
  const std::string text = report.text();
  EXPECT_NE(text.find("roofline (ceilings from the calibration, source 'run-short', fp32"), std::string::npos);
  EXPECT_NE(text.find("100.00 GFLOP/s"), std::string::npos);
  const std::string csv = report.csv();
  EXPECT_NE(csv.find(",roofline,gemm,pct_of_ceiling,50\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",roofline,allreduce,bound_communication,1\n"), std::string::npos);
}

TEST(RooflineSection, ACollectiveTheCalibrationDidNotTimeHasNoCeiling) {
  const std::string cal = calibration_doc(device_json(0, "node0", R"("fp32":1e11)", 2e10, 2e-6) + "," +
                                              device_json(1, "node0", R"("fp32":1e11)", 2e10, 2e-6),
                                          R"({"tier":"world","ranks":2,"collective":"allreduce","alpha_s":1e-5,)"
                                          R"("beta_s_per_byte":1e-9,"busbw_bytes_per_s":1e9})");
  TraceData t = roofline_trace(&cal);
  t.ops[2].collective = "alltoallv";
  const Report report = Report::build(t, "r.h5", std::nullopt);
  const nlohmann::json j = report.json();
  EXPECT_TRUE(op_entry(j, "allreduce")["pct_of_ceiling"].is_null());
  EXPECT_TRUE(op_entry(j, "allreduce")["bound"].is_null());
  EXPECT_EQ(op_entry(j, "gemm")["bound"], "compute");  // the devices still serve
  EXPECT_EQ(j["roofline"]["untimed_collectives"], nlohmann::json::array({"alltoallv"}));
  EXPECT_NE(report.text().find("alltoallv ops: not calibrated"), std::string::npos) << report.text();
}

TEST(RooflineSection, WithoutACalibrationTheCeilingsAreNull) {
  const TraceData t = roofline_trace(nullptr);
  const Report report = Report::build(t, "r.h5", std::nullopt);
  const nlohmann::json j = report.json();
  for (const char* name : {"gemm", "ln", "allreduce"}) {
    EXPECT_TRUE(op_entry(j, name)["bound"].is_null()) << name;
    EXPECT_TRUE(op_entry(j, name)["pct_of_ceiling"].is_null()) << name;
  }
  EXPECT_DOUBLE_EQ(op_entry(j, "gemm")["intensity"].get<double>(), 10.0);
  EXPECT_FALSE(j["roofline"]["calibrated"].get<bool>());
  EXPECT_TRUE(j["roofline"]["peak_flops_per_s"].is_null());
  const std::string text = report.text();
  EXPECT_NE(text.find("roofline: not calibrated (this trace has no calibration"), std::string::npos);
  EXPECT_NE(text.find("not calibrated"), text.rfind("not calibrated"));  // the header and the rows
  EXPECT_NE(report.csv().find(",roofline,gemm,pct_of_ceiling,\n"), std::string::npos);
}
