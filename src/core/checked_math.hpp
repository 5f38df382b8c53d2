#pragma once
// Overflow-checked integer arithmetic for sizes derived from user input.
// A size that wraps passes every later check (a memory bound, an allocation)
// as a small number and then writes past its buffer, so every product or sum
// that a flag can make large goes through here. The optional forms say "it
// overflowed"; the throwing forms turn that into bad input (exit 2).
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/error.hpp"

namespace flopwall {

template <std::integral T>
constexpr std::optional<T> checked_mul(T a, T b) noexcept {
  T out{};
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

template <std::integral T>
constexpr std::optional<T> checked_add(T a, T b) noexcept {
  T out{};
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// The value as To when it is representable (no sign flip, no truncation).
template <std::integral To, std::integral From>
constexpr std::optional<To> checked_cast(From v) noexcept {
  To out{};
  if (__builtin_add_overflow(v, From{0}, &out)) return std::nullopt;
  return out;
}

// The message every throwing form gives: "<what> overflows 64-bit
// arithmetic; give smaller values", where `what` names the flags and values
// the size was made from, e.g. "--maxbytes 8E (two buffers)".
[[noreturn]] inline void throw_overflow(std::string_view what) {
  throw UsageError(std::string(what) + " overflows 64-bit arithmetic; give smaller values");
}

namespace checked_detail {
inline std::string_view describe(std::string_view what) { return what; }
template <std::invocable F>
std::string describe(F&& f) {
  return std::forward<F>(f)();
}
}  // namespace checked_detail

// `what` is a string, or a callable returning one: a callable is only called
// on overflow, so hot paths pay nothing for a description built with values.
template <std::integral T, class What>
T mul_or_throw(T a, T b, What&& what) {
  if (const auto v = checked_mul(a, b)) return *v;
  throw_overflow(checked_detail::describe(std::forward<What>(what)));
}

template <std::integral T, class What>
T add_or_throw(T a, T b, What&& what) {
  if (const auto v = checked_add(a, b)) return *v;
  throw_overflow(checked_detail::describe(std::forward<What>(what)));
}

}  // namespace flopwall
