// The collective descriptors, the correctness check, the α/β fit and the
// `flopwall collectives` options, against nccl-tests' formulas and a host
// simulation of each collective built only from the descriptors' inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "collectives/collective.hpp"
#include "core/element_type.hpp"
#include "core/error.hpp"
#include "sweep/size_steps.hpp"
#include "sweep/sweep_config.hpp"
#include "sweep/sweep_result.hpp"

namespace flopwall {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

TEST(CollectiveDescriptor, BusBandwidthFactorsFollowNcclTestsPerformanceDoc) {
  for (int n : {2, 3, 4, 8}) {
    SCOPED_TRACE(n);
    const double ring = static_cast<double>(n - 1) / n;
    EXPECT_DOUBLE_EQ(descriptor(Collective::allreduce).busbw_factor(n), 2.0 * (n - 1) / n);
    EXPECT_DOUBLE_EQ(descriptor(Collective::reducescatter).busbw_factor(n), ring);
    EXPECT_DOUBLE_EQ(descriptor(Collective::allgather).busbw_factor(n), ring);
    EXPECT_DOUBLE_EQ(descriptor(Collective::alltoall).busbw_factor(n), ring);
    EXPECT_DOUBLE_EQ(descriptor(Collective::broadcast).busbw_factor(n), 1.0);
    EXPECT_DOUBLE_EQ(descriptor(Collective::reduce).busbw_factor(n), 1.0);
    EXPECT_DOUBLE_EQ(descriptor(Collective::sendrecv).busbw_factor(n), 1.0);
  }
  EXPECT_DOUBLE_EQ(descriptor(Collective::allreduce).busbw_factor(4), 1.5);
}

TEST(CollectiveDescriptor, RegistryNamesAndParsing) {
  ASSERT_EQ(all_collectives().size(), 7u);
  for (Collective c : all_collectives()) {
    EXPECT_EQ(descriptor(c).kind, c);
    EXPECT_EQ(parse_collective(descriptor(c).name), c);
  }
  EXPECT_TRUE(descriptor(Collective::allreduce).reduces);
  EXPECT_TRUE(descriptor(Collective::reduce).rooted);
  EXPECT_FALSE(descriptor(Collective::allgather).reduces);
  EXPECT_THROW(parse_collective("all_reduce"), UsageError);
}

void expect_shape(Collective c, std::int64_t requested, int n, std::int64_t count, std::int64_t send,
                  std::int64_t recv, std::int64_t param) {
  SCOPED_TRACE(std::string(descriptor(c).name) + " count " + std::to_string(requested) + " n " + std::to_string(n));
  const CollectiveShape s = descriptor(c).shape(requested, n);
  EXPECT_EQ(s.count, count);
  EXPECT_EQ(s.send_count, send);
  EXPECT_EQ(s.recv_count, recv);
  EXPECT_EQ(s.param_count, param);
}

TEST(CollectiveDescriptor, ShapesRoundAsNcclTests) {
  for (Collective c : {Collective::allreduce, Collective::broadcast, Collective::reduce, Collective::sendrecv}) {
    expect_shape(c, 10, 4, 10, 10, 10, 10);
    expect_shape(c, 3, 4, 3, 3, 3, 3);
  }
  expect_shape(Collective::allgather, 10, 4, 8, 2, 8, 2);  // send one chunk, receive all
  expect_shape(Collective::allgather, 3, 4, 0, 0, 0, 0);
  expect_shape(Collective::reducescatter, 10, 4, 8, 8, 2, 2);  // send all, receive one chunk
  expect_shape(Collective::reducescatter, 3, 4, 0, 0, 0, 0);
  expect_shape(Collective::alltoall, 10, 4, 8, 8, 8, 2);
  expect_shape(Collective::alltoall, 3, 4, 0, 0, 0, 0);
  expect_shape(Collective::allgather, 24, 8, 24, 3, 24, 3);
}

// What each rank receives, computed on the host from the descriptor's inputs
// alone (stored in type t), with NaN where the collective leaves it undefined.
std::vector<std::vector<double>> simulate(const CollectiveDescriptor& d, const CollectiveShape& s, int n, ReduceOp op,
                                          int root, ElementType t) {
  std::vector<std::vector<double>> in(n, std::vector<double>(static_cast<std::size_t>(s.send_count)));
  for (int r = 0; r < n; ++r) {
    d.input(in[r], s, r, n, op, root);
    for (double& v : in[r]) v = stored_value(t, v);
  }
  auto reduced = [&](std::int64_t i) {
    double acc = in[0][i];
    for (int r = 1; r < n; ++r) {
      const double v = in[r][i];
      if (op == ReduceOp::sum || op == ReduceOp::avg) acc += v;
      else if (op == ReduceOp::prod) acc *= v;
      else if (op == ReduceOp::min) acc = std::min(acc, v);
      else acc = std::max(acc, v);
    }
    return stored_value(t, op == ReduceOp::avg ? acc / n : acc);
  };
  const std::int64_t c = s.param_count;
  std::vector<std::vector<double>> out(n, std::vector<double>(static_cast<std::size_t>(s.recv_count), k_nan));
  for (int r = 0; r < n; ++r) {
    for (std::int64_t i = 0; i < s.recv_count; ++i) {
      double& o = out[r][i];
      switch (d.kind) {
        case Collective::allreduce: o = reduced(i); break;
        case Collective::reducescatter: o = reduced(r * c + i); break;
        case Collective::reduce: o = r == root ? reduced(i) : k_nan; break;
        case Collective::broadcast: o = in[root][i]; break;
        case Collective::sendrecv: o = in[(r - 1 + n) % n][i]; break;
        case Collective::allgather: o = in[i / c][i % c]; break;
        case Collective::alltoall: o = in[i / c][r * c + i % c]; break;
      }
    }
  }
  return out;
}

void check_catches_corruption(Collective coll, int n, ReduceOp op, ElementType t) {
  const CollectiveDescriptor& d = descriptor(coll);
  const int root = n - 1;  // a non-zero root, so "root" is not confused with rank 0
  SCOPED_TRACE(std::string(d.name) + " n=" + std::to_string(n) + " op=" + std::string(reduce_op_name(op)) +
               " type=" + std::string(element_type_name(t)));
  const CollectiveShape s = d.shape(5 * n + 3, n);
  ASSERT_GT(s.recv_count, 0);
  const auto sim = simulate(d, s, n, op, root, t);
  for (int r = 0; r < n; ++r) {
    SCOPED_TRACE("rank " + std::to_string(r));
    std::vector<double> expected(static_cast<std::size_t>(s.recv_count));
    d.expected(expected, s, r, n, op, root, t);
    std::vector<double> got = sim[r];
    // Same checked positions (count_wrong skips NaN, so an all-NaN expectation would pass anything).
    std::int64_t checked = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(std::isnan(expected[i]), std::isnan(got[i])) << "element " << i;
      checked += std::isnan(expected[i]) ? 0 : 1;
    }
    if (coll == Collective::reduce && r != root) {
      EXPECT_EQ(checked, 0);
      for (double& v : got) v = 12345;  // garbage on a non-root rank is not an error
      EXPECT_EQ(count_wrong(got, expected, op, t), 0);
      continue;
    }
    ASSERT_EQ(checked, s.recv_count);
    EXPECT_EQ(count_wrong(got, expected, op, t), 0);
    for (std::size_t pos : {std::size_t{0}, got.size() / 2, got.size() - 1}) {
      std::vector<double> bad = got;
      bad[pos] += 1;
      EXPECT_EQ(count_wrong(bad, expected, op, t), 1) << "corrupted element " << pos;
    }
  }
}

const std::vector<ElementType> k_check_types{ElementType::int8,    ElementType::int32, ElementType::uint64,
                                             ElementType::float32, ElementType::float64, ElementType::half,
                                             ElementType::bfloat16};

TEST(CollectiveCheck, ReducingCollectivesMatchHostSimulationAndCatchCorruption) {
  for (Collective c : {Collective::allreduce, Collective::reducescatter, Collective::reduce})
    for (int n : {3, 8})
      for (ReduceOp op : {ReduceOp::sum, ReduceOp::prod, ReduceOp::min, ReduceOp::max})
        for (ElementType t : k_check_types) check_catches_corruption(c, n, op, t);
}

TEST(CollectiveCheck, AverageIsCheckedWithTolerance) {
  for (Collective c : {Collective::allreduce, Collective::reducescatter, Collective::reduce})
    for (int n : {3, 8})
      for (ElementType t : {ElementType::float32, ElementType::float64}) check_catches_corruption(c, n, ReduceOp::avg, t);
  // A pre-scaled float average that is off by rounding only still passes.
  const std::vector<double> expected{2.0, 0.0}, got{2.0 * (1 + 1e-8), 1e-9};
  EXPECT_EQ(count_wrong(got, expected, ReduceOp::avg, ElementType::float32), 0);
  EXPECT_EQ(count_wrong(got, expected, ReduceOp::sum, ElementType::float32), 2);  // exact otherwise
}

TEST(CollectiveCheck, DataMovementCollectivesMatchHostSimulationAndCatchCorruption) {
  for (Collective c : {Collective::allgather, Collective::alltoall, Collective::broadcast, Collective::sendrecv})
    for (int n : {2, 3, 8})
      for (ElementType t : k_check_types) check_catches_corruption(c, n, ReduceOp::sum, t);
}

TEST(CollectiveCheck, NanExpectedMeansUnchecked) {
  const std::vector<double> expected{1, k_nan, 3, k_nan};
  EXPECT_EQ(count_wrong(std::vector<double>{1, 99, 3, -7}, expected, ReduceOp::sum, ElementType::int32), 0);
  EXPECT_EQ(count_wrong(std::vector<double>{1, 99, 4, -7}, expected, ReduceOp::sum, ElementType::int32), 1);
  EXPECT_EQ(count_wrong(std::vector<double>{1, 2, 3, 4}, expected, ReduceOp::avg, ElementType::float32), 0);
}

std::vector<std::pair<double, double>> synthetic_points(double alpha_us, double beta_gbs, double noise) {
  std::vector<std::pair<double, double>> pts;
  int k = 0;
  for (std::int64_t size = 8; size <= (64ll << 20); size *= 4, ++k) {
    const double t = alpha_us + static_cast<double>(size) / (beta_gbs * 1e3);
    pts.emplace_back(static_cast<double>(size), t * (1 + (k % 2 ? noise : -noise)));
  }
  return pts;
}

TEST(AlphaBetaFit, RecoversExactLine) {
  const auto pts = synthetic_points(3.5, 12.5, 0);
  ASSERT_EQ(pts.size(), 12u);  // 8 B, 32 B, ..., 32 MiB
  const SweepFit f = fit_alpha_beta(pts);
  EXPECT_EQ(f.points, 12);
  EXPECT_NEAR(f.alpha_us, 3.5, 3.5e-6);
  EXPECT_NEAR(f.beta_gbs, 12.5, 12.5e-6);
}

TEST(AlphaBetaFit, NoisyDataGivesBetaWithinAFewPercent) {
  const SweepFit f = fit_alpha_beta(synthetic_points(3.5, 12.5, 0.01));
  EXPECT_NEAR(f.beta_gbs, 12.5, 12.5 * 0.03);
  // The fit weighs relative residuals, so ±1% noise on a 2.7 ms point does
  // not swamp a 3.5 us intercept.
  EXPECT_NEAR(f.alpha_us, 3.5, 3.5 * 0.03);
  auto pts = synthetic_points(3.5, 12.5, 0);
  for (std::size_t i = 0; i < pts.size(); ++i) pts[i].second += i % 2 ? 0.035 : -0.035;
  const SweepFit g = fit_alpha_beta(pts);
  EXPECT_NEAR(g.alpha_us, 3.5, 3.5 * 0.03);
  EXPECT_NEAR(g.beta_gbs, 12.5, 12.5 * 0.03);
}

TEST(AlphaBetaFit, DegenerateInputs) {
  const SweepFit one = fit_alpha_beta({{1024.0, 7.25}});
  EXPECT_EQ(one.points, 1);
  EXPECT_EQ(one.beta_gbs, 0);
  EXPECT_DOUBLE_EQ(one.alpha_us, 7.25);
  const SweepFit flat = fit_alpha_beta({{8, 10}, {64, 10}, {512, 10}});
  EXPECT_EQ(flat.beta_gbs, 0);
  const SweepFit falling = fit_alpha_beta({{8, 12}, {64, 10}, {512, 4}});
  EXPECT_EQ(falling.beta_gbs, 0);
  const SweepFit none = fit_alpha_beta({});
  EXPECT_EQ(none.points, 0);
  EXPECT_EQ(none.beta_gbs, 0);
  const SweepFit same_size = fit_alpha_beta({{64, 4}, {64, 6}});  // no spread in size: no slope
  EXPECT_EQ(same_size.beta_gbs, 0);
  // The 1/time² weights make alpha the weighted mean Σ(1/t) / Σ(1/t²).
  EXPECT_DOUBLE_EQ(same_size.alpha_us, (1.0 / 4 + 1.0 / 6) / (1.0 / 16 + 1.0 / 36));
}

TEST(ParseSize, SuffixesArePowersOf1024) {
  EXPECT_EQ(parse_size("8", "--minbytes"), 8);
  EXPECT_EQ(parse_size("0", "--minbytes"), 0);
  EXPECT_EQ(parse_size("32K", "--minbytes"), 32768);
  EXPECT_EQ(parse_size("1M", "--minbytes"), 1 << 20);
  EXPECT_EQ(parse_size("2G", "--minbytes"), 2ll << 30);
  EXPECT_EQ(parse_size("32k", "--minbytes"), 32768);
  EXPECT_EQ(parse_size("3m", "--minbytes"), 3 << 20);
  EXPECT_EQ(parse_size("1g", "--minbytes"), 1ll << 30);
  for (const char* bad : {"", "12Q", "-5", "1.5M", "M", "8KB", "K8"}) {
    SCOPED_TRACE(bad);
    try {
      parse_size(bad, "--maxbytes");
      ADD_FAILURE() << "accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--maxbytes"), std::string::npos) << e.what();
    }
  }
}

TEST(SizeSteps, FactorAdditiveAndZeroStart) {
  EXPECT_EQ(size_steps(8, 1024, 2, 0), (std::vector<std::int64_t>{8, 16, 32, 64, 128, 256, 512, 1024}));
  EXPECT_EQ(size_steps(8, 1000, 2, 0).back(), 512);
  EXPECT_EQ(size_steps(0, 4, 2, 0), (std::vector<std::int64_t>{0, 1, 2, 4}));
  EXPECT_EQ(size_steps(100, 400, 2, 100), (std::vector<std::int64_t>{100, 200, 300, 400}));
  EXPECT_EQ(size_steps(64, 64, 2, 0), (std::vector<std::int64_t>{64}));
  EXPECT_EQ(size_steps(8, 64 << 20, 4, 0).size(), 12u);
}

std::string sweep_usage_error(const std::vector<std::string>& args) {
  try {
    parse_sweep_options(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "<accepted>";
}

TEST(SweepOptions, DefaultsMatchNcclTests) {
  const SweepConfig c = parse_sweep_options({});
  EXPECT_EQ(c.collectives, std::vector<Collective>{Collective::allreduce});
  EXPECT_EQ(c.min_bytes, 8);
  EXPECT_EQ(c.max_bytes, 32ll << 20);
  EXPECT_EQ(c.step_factor, 2);
  EXPECT_EQ(c.step_bytes, 0);
  EXPECT_EQ(c.iters, 20);
  EXPECT_EQ(c.warmup, 5);
  EXPECT_TRUE(c.check);
  EXPECT_EQ(c.op, ReduceOp::sum);
  EXPECT_EQ(c.type, ElementType::float32);
  EXPECT_EQ(c.root, 0);
  EXPECT_EQ(c.combine, RankCombine::max);
  EXPECT_EQ(c.in_place, InPlaceMode::both);
  EXPECT_EQ(c.tiers, std::vector<Tier>{Tier::world});
  EXPECT_FALSE(c.help);
}

TEST(SweepOptions, NcclTestsShortFlags) {
  const SweepConfig c = parse_sweep_options({"-b", "1K", "-e", "1M", "-f", "4", "-n", "7", "-w", "2", "-c", "0", "-o",
                                             "max", "-d", "int8", "-r", "1", "-a", "1"});
  EXPECT_EQ(c.min_bytes, 1024);
  EXPECT_EQ(c.max_bytes, 1 << 20);
  EXPECT_EQ(c.step_factor, 4);
  EXPECT_EQ(c.iters, 7);
  EXPECT_EQ(c.warmup, 2);
  EXPECT_FALSE(c.check);
  EXPECT_EQ(c.op, ReduceOp::max);
  EXPECT_EQ(c.type, ElementType::int8);
  EXPECT_EQ(c.root, 1);
  EXPECT_EQ(c.combine, RankCombine::mean);

  const SweepConfig s = parse_sweep_options({"-i", "1K", "-f", "1", "--inplace", "no", "--tier", "all"});
  EXPECT_EQ(s.step_bytes, 1024);  // -f 1 is fine with additive steps
  EXPECT_EQ(s.in_place, InPlaceMode::no);
  EXPECT_EQ(s.tiers, (std::vector<Tier>{Tier::world, Tier::intra, Tier::inter}));
  EXPECT_EQ(parse_sweep_options({"--collective", "all"}).collectives, all_collectives());
  EXPECT_EQ(parse_sweep_options({"--collective", "alltoall"}).collectives, std::vector<Collective>{Collective::alltoall});
  EXPECT_EQ(parse_sweep_options({"-d", "bf16"}).type, ElementType::bfloat16);
  EXPECT_TRUE(parse_sweep_options({"--help"}).help);
}

TEST(SweepOptions, BadInputNamesTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"-b", "1M", "-e", "1K"}, "--minbytes"}, {{"-f", "1"}, "--stepfactor"},
      {{"--collective", "allreduse"}, "--collective"}, {{"-o", "mean"}, "--op"},
      {{"-d", "float16x"}, "--datatype"}, {{"-a", "4"}, "--average"},
      {{"--inplace", "maybe"}, "--inplace"}, {{"--tier", "galaxy"}, "--tier"},
      {{"-b", "12Q"}, "--minbytes"}, {{"-i", "0"}, "--stepbytes"},
      {{"-n", "0"}, "--iters"}, {{"-c", "2"}, "--check"}};
  for (const auto& [args, flag] : cases) {
    SCOPED_TRACE(args[0] + " " + args[1]);
    const std::string msg = sweep_usage_error(args);
    EXPECT_NE(msg, "<accepted>");
    EXPECT_NE(msg.find(flag), std::string::npos) << msg;
  }
}

TEST(ElementType, EncodeDecodeRoundTripsSmallIntegers) {
  const std::vector<ElementType> all{ElementType::int8,    ElementType::uint8,   ElementType::int32, ElementType::uint32,
                                     ElementType::int64,   ElementType::uint64,  ElementType::half,  ElementType::float32,
                                     ElementType::float64, ElementType::bfloat16};
  for (ElementType t : all) {
    SCOPED_TRACE(std::string(element_type_name(t)));
    EXPECT_EQ(parse_element_type(element_type_name(t)), t);
    std::vector<double> values;
    for (int v = 0; v <= 100; ++v) values.push_back(v);
    if (t != ElementType::uint8 && t != ElementType::uint32 && t != ElementType::uint64)
      for (int v = -100; v < 0; ++v) values.push_back(v);
    std::vector<std::byte> buf(values.size() * static_cast<std::size_t>(element_type_size(t)));
    encode(t, values, buf.data());
    std::vector<double> back(values.size(), -1234);
    decode(t, buf.data(), back);
    EXPECT_EQ(back, values);
    for (double v : values) EXPECT_EQ(stored_value(t, v), v);
  }
  EXPECT_EQ(element_type_size(ElementType::bfloat16), 2);
  EXPECT_EQ(element_type_size(ElementType::uint64), 8);
}

TEST(ElementType, StoredValueWrapsAndRoundsAsTheHardware) {
  EXPECT_EQ(stored_value(ElementType::int8, 200), -56);
  EXPECT_EQ(stored_value(ElementType::uint8, 300), 44);
  EXPECT_EQ(stored_value(ElementType::uint8, -1), 255);
  EXPECT_EQ(stored_value(ElementType::int32, 2147483648.0), -2147483648.0);
  EXPECT_EQ(stored_value(ElementType::half, 2049), 2048);  // 11 significant bits, ties to even
  EXPECT_EQ(stored_value(ElementType::half, 2051), 2052);
  EXPECT_EQ(stored_value(ElementType::bfloat16, 257), 256);  // 8 significant bits
  // encode/decode agree with stored_value where the type rounds or wraps.
  for (ElementType t : {ElementType::int8, ElementType::uint8, ElementType::half, ElementType::bfloat16}) {
    SCOPED_TRACE(std::string(element_type_name(t)));
    std::vector<double> values;
    for (int v = 0; v <= 5000; v += 7) values.push_back(v);
    std::vector<std::byte> buf(values.size() * static_cast<std::size_t>(element_type_size(t)));
    encode(t, values, buf.data());
    std::vector<double> back(values.size());
    decode(t, buf.data(), back);
    for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(back[i], stored_value(t, values[i])) << values[i];
  }
}

TEST(SweepResult, AverageBusBandwidthAndWrongTotalSkipUnavailableRows) {
  SweepResult r;
  EXPECT_EQ(r.avg_busbw_gbs(), 0);
  EXPECT_EQ(r.wrong_total(), 0);
  auto row = [](double busbw_gbs, std::int64_t wrong, bool available = true) {
    SweepRow row;
    row.busbw_gbs = busbw_gbs;
    row.wrong = wrong;
    row.available = available;
    return row;
  };
  r.rows = {row(10, 0), row(20, 3), row(1000, 50, false), row(30, -1 /* unchecked */), row(0, 2)};
  EXPECT_DOUBLE_EQ(r.avg_busbw_gbs(), 15);
  EXPECT_EQ(r.wrong_total(), 5);
}

}  // namespace
}  // namespace flopwall
