#include "analysis/async_ops.hpp"

#include <map>
#include <string>
#include <tuple>

namespace flopwall {

AsyncOps async_ops(const std::vector<OpInfo>& ops) {
  AsyncOps a{.role = std::vector<AsyncRole>(ops.size(), AsyncRole::none),
             .partner = std::vector<std::int32_t>(ops.size(), -1)};
  constexpr std::string_view k_suffix = "_wait";
  std::map<std::tuple<std::string, int, std::string>, std::int32_t> comm_ops;
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (ops[i].kind == OpKind::comm) comm_ops.emplace(std::tuple{ops[i].name, ops[i].layer, ops[i].group}, i);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const OpInfo& w = ops[i];
    if (w.kind != OpKind::comm || !w.name.ends_with(k_suffix)) continue;
    const auto start = comm_ops.find({w.name.substr(0, w.name.size() - k_suffix.size()), w.layer, w.group});
    // The start comes first; a second wait of the same start keeps the first.
    if (start == comm_ops.end() || static_cast<std::size_t>(start->second) >= i ||
        a.partner[static_cast<std::size_t>(start->second)] >= 0)
      continue;
    a.role[static_cast<std::size_t>(start->second)] = AsyncRole::start;
    a.role[i] = AsyncRole::wait;
    a.partner[static_cast<std::size_t>(start->second)] = static_cast<std::int32_t>(i);
    a.partner[i] = start->second;
  }
  return a;
}

}  // namespace flopwall
