#include "model/buffer_spec.hpp"

#include <algorithm>
#include <cmath>

namespace flopwall {
namespace {

// splitmix64: a cheap, well-mixed hash so every element is a pure function of
// its global coordinates, independent of how the matrix is split.
std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Uniform in [-1, 1), 53 random bits so fp32 and fp64 see the same value.
double uniform(std::uint64_t seed, std::int64_t row, std::int64_t col) noexcept {
  const std::uint64_t h = mix(seed ^ mix(static_cast<std::uint64_t>(row) * 0x100000001b3ULL ^
                                          mix(static_cast<std::uint64_t>(col))));
  return static_cast<double>(h >> 11) * 0x1.0p-52 - 1.0;
}

}  // namespace

template <class T>
void fill_buffer(const BufferSpec& spec, std::span<T> out) {
  const std::int64_t rows = spec.rows, cols = spec.cols;
  switch (spec.fill) {
    case BufferFill::zero:
      std::fill(out.begin(), out.end(), T{0});
      return;
    case BufferFill::input:
      // A token shard (sequence parallelism) holds rows from shard.row_offset of the whole input.
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c)
          out[r * cols + c] = static_cast<T>(uniform(spec.seed, spec.shard.row_offset + r, c));
      return;
    case BufferFill::layernorm:
      // gamma near 1 and beta near 0, varied so a wrong column shows up.
      for (std::int64_t c = 0; c < cols / 2; ++c) {
        out[c] = static_cast<T>(1.0 + 0.1 * uniform(spec.seed, 0, c));
        out[cols / 2 + c] = static_cast<T>(0.1 * uniform(spec.seed, 1, c));
      }
      return;
    case BufferFill::weight: {
      // Scaled by 1/sqrt(fan-in) of the global matrix so activations stay O(1).
      const WeightShard& w = spec.shard;
      const double scale = 1.0 / std::sqrt(static_cast<double>(w.global_rows));
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t gr = w.block_rows > 0
                                    ? (r / w.block_rows) * w.row_block_stride + w.row_offset + r % w.block_rows
                                    : w.row_offset + r;
        for (std::int64_t c = 0; c < cols; ++c) {
          const std::int64_t gc = (c / w.block_cols) * w.block_stride + w.col_offset + c % w.block_cols;
          out[r * cols + c] = static_cast<T>(scale * uniform(spec.seed, gr, gc));
        }
      }
      return;
    }
    case BufferFill::kv_cache: {
      // Not a GEMM operand: never transposed by a device, unlike weights.
      const WeightShard& w = spec.shard;
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) {
          const std::int64_t gc = (c / w.block_cols) * w.block_stride + w.col_offset + c % w.block_cols;
          out[r * cols + c] = static_cast<T>(uniform(spec.seed, r, gc));
        }
      return;
    }
  }
}

template void fill_buffer<float>(const BufferSpec&, std::span<float>);
template void fill_buffer<double>(const BufferSpec&, std::span<double>);
template void fill_buffer<BFloat16>(const BufferSpec&, std::span<BFloat16>);

}  // namespace flopwall
