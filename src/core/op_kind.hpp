#pragma once
// What an op spends its time on. An enum everywhere in memory; the trace
// writer stores its name and the reader parses it back.
#include <cstdint>
#include <optional>
#include <string_view>

namespace flopwall {

enum class OpKind : std::uint8_t { compute = 0, comm = 1, memory = 2, idle = 3 };

std::string_view op_kind_name(OpKind k) noexcept;
// The kind named `name` ("compute", "comm", "memory", "idle"), or nothing.
std::optional<OpKind> parse_op_kind(std::string_view name) noexcept;

}  // namespace flopwall
