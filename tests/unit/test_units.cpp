#include <gtest/gtest.h>

#include "core/units.hpp"

namespace units = flopwall::units;

TEST(Units, SecondsPicksPrefixAndThreeSignificantDigits) {
  EXPECT_EQ(units::seconds(1.234), "1.23 s");
  EXPECT_EQ(units::seconds(12.0), "12.0 s");
  EXPECT_EQ(units::seconds(1234.0), "1234 s");
  EXPECT_EQ(units::seconds(0.0456), "45.6 ms");
  EXPECT_EQ(units::seconds(1e-3), "1.00 ms");
  EXPECT_EQ(units::seconds(789e-6), "789 us");
  EXPECT_EQ(units::seconds(12e-9), "12.0 ns");
  EXPECT_EQ(units::seconds(0.5e-9), "0.50 ns");
}

TEST(Units, SecondsZeroAndNegative) {
  EXPECT_EQ(units::seconds(0.0), "0.00 s");
  EXPECT_EQ(units::seconds(-0.0025), "-2.50 ms");
  EXPECT_EQ(units::seconds(-3.0), "-3.00 s");
}

TEST(Units, BytesUseBinaryPrefixes) {
  EXPECT_EQ(units::bytes(0), "0 B");
  EXPECT_EQ(units::bytes(8), "8 B");
  EXPECT_EQ(units::bytes(1023), "1023 B");
  EXPECT_EQ(units::bytes(1024), "1.00 KiB");
  EXPECT_EQ(units::bytes(1536), "1.50 KiB");
  EXPECT_EQ(units::bytes(64.0 * 1024), "64.0 KiB");
  EXPECT_EQ(units::bytes(1000.0 * 1024), "1000 KiB");
  EXPECT_EQ(units::bytes(3.0 * 1024 * 1024), "3.00 MiB");
  EXPECT_EQ(units::bytes(1.5 * 1024 * 1024 * 1024), "1.50 GiB");
  EXPECT_EQ(units::bytes(2.0 * 1024 * 1024 * 1024 * 1024), "2.00 TiB");
}

TEST(Units, FlopsUseDecimalPrefixes) {
  EXPECT_EQ(units::flops(999), "999 FLOP");
  EXPECT_EQ(units::flops(1000), "1.00 KFLOP");
  EXPECT_EQ(units::flops(2.5e6), "2.50 MFLOP");
  EXPECT_EQ(units::flops(3.2e9), "3.20 GFLOP");
  EXPECT_EQ(units::flops(411041792), "411 MFLOP");
  EXPECT_EQ(units::flops(4.567e15), "4.57 PFLOP");
}

TEST(Units, FlopRateUsesDecimalPrefixesPerSecond) {
  EXPECT_EQ(units::flop_rate(123.4e9), "123 GFLOP/s");
  EXPECT_EQ(units::flop_rate(989e12), "989 TFLOP/s");
  EXPECT_EQ(units::flop_rate(1.98e15), "1.98 PFLOP/s");
  EXPECT_EQ(units::flop_rate(50.0), "50.0 FLOP/s");
}
