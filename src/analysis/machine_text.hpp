#pragma once
// A node class as the text report prints it: one labelled line per part.
#include <string>

#include "platform/machine_json.hpp"

namespace flopwall {

// "  node class 1 of 2: 4 nodes (a,b,c,d)" and its indented lines.
std::string node_class_text(const NodeClass& c, int number, int of);

}  // namespace flopwall
