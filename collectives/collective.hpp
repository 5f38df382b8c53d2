#pragma once
// One descriptor per collective (nccl-tests' structure): how a requested
// size becomes buffer counts, the bus-bandwidth factor of
// nccl-tests' doc/PERFORMANCE.md, and the deterministic input and exactly
// predictable output the correctness check uses.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collectives/reduce_op.hpp"
#include "core/element_type.hpp"
#include "core/element_values.hpp"

namespace flopwall {

enum class Collective : std::uint8_t { allreduce, allgather, reducescatter, alltoall, broadcast, reduce, sendrecv };

// Counts for one call on a group of n ranks, after rounding.
struct CollectiveShape {
  std::int64_t count = 0;        // total elements: the "count" column; size = count · type size
  std::int64_t send_count = 0;   // elements in each rank's send buffer
  std::int64_t recv_count = 0;   // elements in each rank's receive buffer
  std::int64_t param_count = 0;  // the count the library call takes
};

// The bus-bandwidth factor as an exact ratio: busbw = algbw · num / den.
struct BusFactor {
  std::int64_t num = 1, den = 1;
};

class CollectivePrimitives;
struct CollectiveCall;

struct CollectiveDescriptor {
  Collective kind;
  std::string_view name;
  bool reduces;  // takes --op
  bool rooted;   // takes --root
  bool in_place;  // has an in-place form in flopwall's layout (see in_place_offset)
  // algbw · factor = busbw on n ranks (nccl-tests' PERFORMANCE.md); the one
  // place each collective's factor is written.
  BusFactor (*bus_factor)(int n);
  // Rounds `requested_count` down as nccl-tests does (to a multiple of n where chunks are per rank).
  CollectiveShape (*shape)(std::int64_t requested_count, int n);
  // In place, this rank's input starts this many elements into the receive
  // buffer, and its result starts at in_place_result_offset.
  std::int64_t (*in_place_offset)(const CollectiveShape& s, int rank);
  std::int64_t (*in_place_result_offset)(const CollectiveShape& s, int rank);
  // The send buffer of `rank` (s.send_count values).
  void (*input)(std::span<double> out, const CollectiveShape& s, int rank, int n, ReduceOp op, int root);
  // The receive buffer `rank` must hold afterwards (s.recv_count values), as
  // stored in type t; NaN marks elements the collective leaves undefined.
  void (*expected)(std::span<double> out, const CollectiveShape& s, int rank, int n, ReduceOp op, int root,
                   ElementType t);
  // Issues one call on a transport: `recv` is the receive buffer; `send` the
  // send buffer, ignored in place (the input is then inside `recv`).
  void (*issue)(CollectivePrimitives& t, const CollectiveCall& call, const void* send, void* recv);

  double busbw_factor(int n) const noexcept {
    const BusFactor f = bus_factor(n);
    return static_cast<double>(f.num) / static_cast<double>(f.den);
  }
};

struct CollectiveCall {
  Collective collective = Collective::allreduce;
  CollectiveShape shape;
  ElementType type = ElementType::float32;
  ReduceOp op = ReduceOp::sum;
  int root = 0;
  bool in_place = false;
};

// Where one call's data sits, the same for every transport: the receive
// buffer starts as a sentinel image (a value no check produces, so elements
// the call should have written and did not are caught); the input goes to
// the send buffer, or in place into the receive buffer at input_offset.
struct CallLayout {
  std::int64_t element_bytes;
  std::int64_t input_offset_bytes;   // into the receive buffer when in place, else into the send buffer
  std::int64_t result_offset_bytes;  // into the receive buffer
  std::int64_t input_bytes, result_bytes;
};
CallLayout call_layout(const CollectiveCall& call, int rank);
// max(send, receive) elements of the sentinel, encoded in the call's type.
std::vector<std::byte> sentinel_image(const CollectiveCall& call);

const CollectiveDescriptor& descriptor(Collective c);

// Bytes each rank moves on the bus for a payload of `payload_bytes` on n
// ranks (payload · factor, exact); throws UsageError on overflow.
std::uint64_t bus_bytes(const CollectiveDescriptor& d, std::uint64_t payload_bytes, int n);
// The call for `count` requested elements on a group of n ranks.
CollectiveCall make_call(Collective c, std::int64_t count, int n, ElementType t, ReduceOp op = ReduceOp::sum,
                         int root = 0, bool in_place = false);
// Issues `call` on `t` through its descriptor (the one way every caller does).
void issue(CollectivePrimitives& t, const CollectiveCall& call, const void* send, void* recv);
const std::vector<Collective>& all_collectives();
// Throws UsageError listing the valid names (and "all").
Collective parse_collective(std::string_view name);

// Shared rules for the check values: small integers, so every type, every
// reduction and every rank count up to the hundreds stays exact.
double data_value(int rank, std::int64_t index) noexcept;                 // 0..99
double reduce_input_value(int rank, std::int64_t index, ReduceOp op) noexcept;
// op over ranks 0..n-1 of reduce_input_value(r, index), stored in type t.
double reduced_value(int n, std::int64_t index, ReduceOp op, ElementType t) noexcept;

// Elements of `out` that differ from `expected` (NaN expected = not checked).
// Exact comparison, except avg on floating types (NCCL may pre-scale by 1/n).
std::int64_t count_wrong(std::span<const double> out, std::span<const double> expected, ReduceOp op, ElementType t);

}  // namespace flopwall
