#pragma once
// What a device allocates for a plan, and the deterministic values it starts
// with. Weights are defined on the *global* (unsplit) matrix and each rank
// fills only its shard, so a TP=2 run computes exactly what TP=1 computes.
#include <cstdint>
#include <span>
#include <string>

#include "core/bfloat16.hpp"
#include "core/checked_math.hpp"
#include "core/dtype.hpp"

namespace flopwall {

enum class BufferFill : std::uint8_t {
  zero,       // activations and scratch
  input,      // the block input: values depend on (replica, token, column); a token shard starts at shard.row_offset
  weight,     // a shard of a global weight matrix, see WeightShard
  layernorm,  // [gamma | beta], replicated on every rank
  kv_cache,   // serve mode's KV cache: a shard of the global cache (WeightShard mapping), values in [-1, 1), unscaled
};

// Local element (r, c) of a [rows, cols] shard maps to the global matrix as
//   global_row = row_offset + r, or with block_rows > 0
//   global_row = (r / block_rows) · row_block_stride + row_offset + r % block_rows
//   global_col = (c / block_cols) · block_stride + col_offset + c % block_cols
// which covers a plain column split (one block), a row split, and the packed
// QKV projection (three column blocks Q | K | V, each split by heads).
struct WeightShard {
  std::int64_t global_rows = 0;
  std::int64_t row_offset = 0;
  std::int64_t block_cols = 0;
  std::int64_t block_stride = 0;
  std::int64_t col_offset = 0;
  std::int64_t block_rows = 0;        // 0: rows are not blocked (stacked row-split shards, e.g. MoE experts)
  std::int64_t row_block_stride = 0;
};

struct BufferSpec {
  std::string name;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  BufferFill fill = BufferFill::zero;
  BufferRole role = BufferRole::activation;  // decides the element type (core/dtype.hpp)
  std::uint64_t seed = 0;  // distinguishes weight matrices and replicas
  WeightShard shard;

  // Checked: a wrapped product would allocate a small buffer that the
  // kernels then overrun. validate_layout refuses such shapes first.
  std::int64_t elements() const {
    return mul_or_throw(rows, cols, [this] { return "buffer " + name + " (rows x cols)"; });
  }
};

// Fills `out` (spec.elements() values) with the buffer's initial contents;
// T is float, double or BFloat16 (each value rounded to nearest even).
template <class T>
void fill_buffer(const BufferSpec& spec, std::span<T> out);

}  // namespace flopwall
