#include <gtest/gtest.h>

#include <cstdlib>

#include "platform/steady_timer.hpp"
#include "runtime/clock_sync.hpp"

namespace flopwall {
namespace {

TEST(ClockSync, SameHostOffsetIsWithinItsErrorBound) {
  // Every rank here reads the same CLOCK_MONOTONIC: the true offset is 0.
  const ClockEstimate c = estimate_clock_offset(MPI_COMM_WORLD);
  EXPECT_LE(std::llabs(c.offset_ns), c.error_ns);
  EXPECT_GE(c.error_ns, 0);
}

TEST(ClockSync, RecoversAnArtificialOffset) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const std::int64_t shift_ns = 3'000'000LL * rank - 1'234'567LL * (rank % 2);
  const ClockEstimate c = estimate_clock_offset(MPI_COMM_WORLD, 32, [&] { return steady_now_ns() + shift_ns; });
  EXPECT_LE(std::llabs(c.offset_ns - shift_ns), c.error_ns) << "offset " << c.offset_ns << " shift " << shift_ns;
}

}  // namespace
}  // namespace flopwall
