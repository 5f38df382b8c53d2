// Overflow-checked size arithmetic and the sizes it guards: the sweep's
// size list and the byte counts `-b`/`-e`/`-i` parse to.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "core/checked_math.hpp"
#include "core/error.hpp"
#include "sweep/size_steps.hpp"
#include "sweep/sweep_config.hpp"

namespace flopwall {
namespace {

constexpr std::int64_t k_i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t k_u64_max = std::numeric_limits<std::uint64_t>::max();

std::string usage_error(const auto& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "<accepted>";
}

TEST(CheckedMath, ProductsAndSumsAtTheEdgeOfTheirType) {
  EXPECT_EQ(checked_mul<std::int64_t>(3037000499, 3037000499), std::int64_t{9223372030926249001});
  EXPECT_FALSE(checked_mul<std::int64_t>(3037000500, 3037000500));
  EXPECT_FALSE(checked_mul<std::int64_t>(std::int64_t{1} << 62, 2));  // the --hidden 2^62 of the fault report
  EXPECT_EQ(checked_mul<std::int64_t>(-4, 5), -20);
  EXPECT_EQ(checked_mul<std::uint64_t>(std::uint64_t{1} << 63, 1), std::uint64_t{1} << 63);
  EXPECT_FALSE(checked_mul<std::uint64_t>(std::uint64_t{1} << 63, 2));
  // 18014398509481985 · 1024 is 2^64 + 1024: it used to wrap to 1024.
  EXPECT_FALSE(checked_mul<std::uint64_t>(18014398509481985u, 1024u));
  EXPECT_FALSE(checked_mul<std::int64_t>(18014398509481985, 1024));
  EXPECT_EQ(checked_add<std::int64_t>(k_i64_max - 1, 1), k_i64_max);
  EXPECT_FALSE(checked_add<std::int64_t>(k_i64_max, 1));
  EXPECT_FALSE(checked_add<std::uint64_t>(k_u64_max, 1));
  EXPECT_EQ(checked_add<int>(-5, 3), -2);
}

TEST(CheckedMath, CastsRefuseSignFlipsAndTruncation) {
  EXPECT_EQ(checked_cast<int>(std::int64_t{2147483647}), 2147483647);
  EXPECT_FALSE(checked_cast<int>(std::int64_t{2147483648}));
  EXPECT_FALSE(checked_cast<std::uint64_t>(std::int64_t{-1}));
  EXPECT_FALSE(checked_cast<std::int64_t>(k_u64_max));
  EXPECT_EQ(checked_cast<std::size_t>(std::int64_t{42}), std::size_t{42});
}

TEST(CheckedMath, ThrowingFormsAreUsageErrorsWithTheCallersDescription) {
  EXPECT_EQ(mul_or_throw<std::int64_t>(6, 7, "unused"), 42);
  const std::string msg = usage_error([] { mul_or_throw<std::int64_t>(k_i64_max, 2, "--maxbytes 8E (two buffers)"); });
  EXPECT_EQ(msg, "--maxbytes 8E (two buffers) overflows 64-bit arithmetic; give smaller values");
  EXPECT_NE(usage_error([] { add_or_throw<std::uint64_t>(k_u64_max, 1, "the sum"); }).find("the sum overflows"),
            std::string::npos);
  // A callable description is built only when the arithmetic fails.
  int built = 0;
  auto describe = [&] {
    ++built;
    return std::string("described");
  };
  EXPECT_EQ(add_or_throw<std::int64_t>(1, 2, describe), 3);
  EXPECT_EQ(built, 0);
  EXPECT_NE(usage_error([&] { add_or_throw<std::int64_t>(k_i64_max, 2, describe); }).find("described overflows"),
            std::string::npos);
  EXPECT_EQ(built, 1);
}

TEST(SizeSteps, FactorAndAdditiveStepsAsNcclTests) {
  EXPECT_EQ(size_steps(8, 64, 2, 0), (std::vector<std::int64_t>{8, 16, 32, 64}));
  EXPECT_EQ(size_steps(0, 4, 2, 0), (std::vector<std::int64_t>{0, 1, 2, 4}));  // a zero start steps to one byte
  EXPECT_EQ(size_steps(10, 40, 3, 0), (std::vector<std::int64_t>{10, 30}));
  EXPECT_EQ(size_steps(1, 10, 2, 4), (std::vector<std::int64_t>{1, 5, 9}));
  EXPECT_EQ(size_steps(5, 5, 2, 0), (std::vector<std::int64_t>{5}));
  EXPECT_TRUE(size_steps(6, 5, 2, 0).empty());
}

TEST(SizeSteps, NeverOverflowNearTheTopOfInt64) {
  // Growing past 2^63 ends the list instead of wrapping negative (or being
  // undefined in llround) and looping.
  const auto by_factor = size_steps(std::int64_t{1} << 62, k_i64_max, 1e6, 0);
  EXPECT_EQ(by_factor, (std::vector<std::int64_t>{std::int64_t{1} << 62}));
  const auto by_step = size_steps(k_i64_max - 10, k_i64_max, 2, k_i64_max);
  EXPECT_EQ(by_step, (std::vector<std::int64_t>{k_i64_max - 10}));
  EXPECT_EQ(size_steps(k_i64_max, k_i64_max, 2, 0), (std::vector<std::int64_t>{k_i64_max}));
  EXPECT_EQ(next_size(k_i64_max - 1, k_i64_max, 2, 0), std::nullopt);
  EXPECT_EQ(next_size(100, 1000, std::numeric_limits<double>::quiet_NaN(), 0), std::nullopt);
}

TEST(SizeSteps, CountMatchesTheListAndCapsPastTheLimit) {
  using Case = std::tuple<std::int64_t, std::int64_t, double, std::int64_t>;  // -b, -e, -f, -i
  const Case cases[] = {{8, 32 << 20, 2, 0}, {0, 1000, 2, 0}, {7, 100000, 3.5, 0},
                        {1, 1000, 2, 7},     {0, 0, 2, 1},      {9, 8, 2, 0}};
  for (const auto& [lo, hi, f, step] : cases)
    EXPECT_EQ(size_step_count(lo, hi, f, step), static_cast<std::int64_t>(size_steps(lo, hi, f, step).size()))
        << lo << ".." << hi << " f " << f << " i " << step;
  EXPECT_EQ(size_step_count(1, k_max_sweep_sizes, 2, 1), k_max_sweep_sizes);
  // -i 1 over 32 MiB: counted by formula, capped, never listed.
  EXPECT_EQ(size_step_count(8, 32 << 20, 2, 1), k_max_sweep_sizes + 1);
  EXPECT_EQ(size_step_count(0, k_i64_max, 2, 1), k_max_sweep_sizes + 1);
}

TEST(ParseSize, SuffixesScaleAndOverflowIsAnError) {
  EXPECT_EQ(parse_size("8", "--minbytes"), 8);
  EXPECT_EQ(parse_size("32M", "--maxbytes"), 32 << 20);
  EXPECT_EQ(parse_size("1k", "--maxbytes"), 1024);
  EXPECT_EQ(parse_size("8589934591G", "--maxbytes"), 8589934591LL << 30);
  EXPECT_EQ(parse_size("9223372036854775807", "--maxbytes"), k_i64_max);
  EXPECT_NE(usage_error([] { parse_size("18014398509481985K", "--maxbytes"); })
                .find("--maxbytes '18014398509481985K' is too large; give at most 9223372036854775807 bytes"),
            std::string::npos);
  EXPECT_NE(usage_error([] { parse_size("8589934592G", "--maxbytes"); }).find("is too large"), std::string::npos);
  EXPECT_NE(usage_error([] { parse_size("99999999999999999999", "--minbytes"); })
                .find("--minbytes '99999999999999999999' is too large"),
            std::string::npos);
  for (const char* bad : {"", "-1", "1X", "K", "1KK", " 8", "+8", "0x10", "1.5M"})
    EXPECT_NE(usage_error([&] { parse_size(bad, "--stepbytes"); })
                  .find(std::string("--stepbytes '") + bad + "' is not valid; give bytes as an integer"),
              std::string::npos)
        << bad;
}

}  // namespace
}  // namespace flopwall
