#pragma once
// Ordered name → value pairs: library versions, captured environment, /meta.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flopwall {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// The value of the first pair named `key`, or nullptr.
inline const std::string* find_value(const KeyValues& values, std::string_view key) {
  for (const auto& [name, value] : values)
    if (name == key) return &value;
  return nullptr;
}

}  // namespace flopwall
