#include "runtime/machine_survey.hpp"

#include <cblas.h>

#include <exception>

#include "platform/blas_kernel.hpp"
#include "platform/blas_warning.hpp"
#include "platform/gpu_inventory.hpp"
#include "platform/mpi_transports.hpp"
#include "platform/node_inventory.hpp"

namespace flopwall {

NodeInventory read_this_node(void (*complete)(NodeInventory&)) {
  NodeInventory node = read_node_inventory();
  GpuReading gpus = read_gpu_inventory();
  node.gpus = std::move(gpus.gpus);
  node.gpu_topology = std::move(gpus.topology);
  node.mpi = loaded_mpi_transports();
  node.blas = judge_openblas_kernel(openblas_get_corename(), openblas_get_config(), node.cpu);
  if (complete) complete(node);
  return node;
}

MachineSurvey survey_machine(const MpiEnvironment& mpi, const BackendEntry& backend) {
  std::string mine;
  if (mpi.local_rank() == 0) {
    NodeInventory node;
    try {
      node = read_this_node(backend.complete_inventory);
    } catch (const std::exception& e) {
      // The run goes on without this node's description; the report says why.
      node = NodeInventory{};
      node.cpu.model = "unknown (the inventory could not be read: " + std::string(e.what()) + ")";
    }
    node.hostname = mpi.hostname();
    mine = inventory_to_json(node).dump();
  }
  MachineSurvey survey;
  std::vector<NodeInventory> nodes;
  for (const std::string& text : gather_strings(MPI_COMM_WORLD, mine))
    if (!text.empty()) nodes.push_back(inventory_from_json(nlohmann::json::parse(text)));
  if (mpi.rank() != 0) return survey;
  survey.classes = group_node_classes(nodes);
  survey.machine_json = machine_to_json(survey.classes).dump();
  if (backend.host_blas) survey.blas_warning = blas_fallback_warning(survey.classes);
  return survey;
}

}  // namespace flopwall
