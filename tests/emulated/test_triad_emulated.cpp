// The CUDA triad kernel (kernels/cuda/triad_kernels.cuh) on the SIMT
// emulator against its CPU reference (kernels/cpu/triad.hpp): packs, the
// grid-stride loop and the scalar tail, under AddressSanitizer.
#include "tests/emulated/simt.hpp"  // first: it redefines the CUDA keywords

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/cpu/triad.hpp"
#include "kernels/cuda/triad_kernels.cuh"

namespace flopwall {
namespace {

using namespace kernels::cuda::detail;

TEST(EmulatedTriad, MatchesTheCpuReference) {
  // Counts below one pack, one short of a pack, and past a two-block grid's stride.
  for (std::int64_t count : {1, 3, 4, 7, 129, 1000}) {
    SCOPED_TRACE(count);
    std::vector<float> b, c;
    // Exact capacity: AddressSanitizer then flags a read one element past the end.
    b.reserve(static_cast<std::size_t>(count));
    c.reserve(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) {
      b.push_back(0.25f * static_cast<float>(i));
      c.push_back(1.0f - 0.5f * static_cast<float>(i % 7));
    }
    std::vector<float> got(static_cast<std::size_t>(count), -1.0f), want(got.size());
    simt::launch(dim3(2), dim3(64), triad_kernel, got.data(), static_cast<const float*>(b.data()),
                 static_cast<const float*>(c.data()), 3.0f, count);
    kernels::cpu::triad<float>(want.data(), b.data(), c.data(), 3.0f, count);
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], want[i]) << i;
  }
}

}  // namespace
}  // namespace flopwall
