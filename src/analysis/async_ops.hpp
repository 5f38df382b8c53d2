#pragma once
// Nonblocking collectives in a trace (docs/trace-format.md, "/ops"): an op
// named `N_wait` completes the collective that op `N` of the same layer and
// group started; the collective is in flight from N's start to N_wait's end,
// while the rank runs the ops between them.
#include <cstdint>
#include <vector>

#include "trace/trace_data.hpp"

namespace flopwall {

enum class AsyncRole : std::uint8_t { none, start, wait };

struct AsyncOps {
  std::vector<AsyncRole> role;           // by op id
  std::vector<std::int32_t> partner;     // by op id: the wait of a start, the start of a wait; -1 otherwise
};
AsyncOps async_ops(const std::vector<OpInfo>& ops);

}  // namespace flopwall
