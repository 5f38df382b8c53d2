#pragma once
// The node inventory as JSON (the trace's /meta machine_json), and nodes with
// identical hardware folded into one class with its count and host list.
//
// Every struct of machine_inventory.hpp maps to an object whose keys are the
// field names. Reading is tolerant of missing keys (a newer writer may add
// fields; an older one lacks them): they keep their "unknown" defaults. A key
// of the wrong type throws nlohmann::json::exception, which the report turns
// into one line about a damaged description.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "platform/machine_inventory.hpp"

namespace flopwall {

nlohmann::json inventory_to_json(const NodeInventory& node);
NodeInventory inventory_from_json(const nlohmann::json& j);

// The hardware a node class is made of: the inventory without what differs
// between identical machines (host name, current clocks, active throttle
// reasons, PCI bus ids of virtual functions), memory sizes rounded to GiB so
// a few MiB of firmware reservation do not split a class.
nlohmann::json hardware_identity(const NodeInventory& node);

struct NodeClass {
  int count = 0;
  std::vector<std::string> hosts;  // in order of first appearance
  NodeInventory inventory;         // the first node of the class, as it was read
};

// Folds nodes with equal hardware_identity into classes, in order of first
// appearance.
std::vector<NodeClass> group_node_classes(const std::vector<NodeInventory>& nodes);

// {"node_classes": [{"count", "hosts", "inventory"}, …]}: the machine_json document.
nlohmann::json machine_to_json(const std::vector<NodeClass>& classes);
std::vector<NodeClass> machine_from_json(const nlohmann::json& j);

}  // namespace flopwall
