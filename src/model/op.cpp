#include "model/op.hpp"

namespace flopwall {

std::string_view comm_group_name(CommGroup g) noexcept {
  switch (g) {
    case CommGroup::none: return "none";
    case CommGroup::tp: return "tp";
    case CommGroup::dp: return "dp";
    case CommGroup::world: return "world";
    case CommGroup::ep: return "ep";
  }
  return "?";
}

}  // namespace flopwall
