#include "runtime/moe_summary.hpp"

#include <nlohmann/json.hpp>

#include "model/moe_block.hpp"
#include "model/moe_routing.hpp"
#include "platform/mpi_environment.hpp"

namespace flopwall {
namespace {

// This rank's MoE layers: the summary and the bytes of its two all-to-alls.
nlohmann::json rank_json(const Plan& plan) {
  nlohmann::json layers = nlohmann::json::array();
  std::size_t next = 0;
  for (const MoeLayerSummary& m : plan.moe_dropped) {
    std::uint64_t dispatch = 0, combine = 0;
    for (; next < plan.ops.size(); ++next) {
      const Op& op = plan.ops[next];
      if (op.layer != m.layer) continue;
      if (op.name == "moe_dispatch") dispatch = op.bytes_comm;
      if (op.name == "moe_combine_a2a") {
        combine = op.bytes_comm;
        break;
      }
    }
    layers.push_back({{"layer", m.layer}, {"dropped", m.dropped}, {"sent_rows", m.sent_rows},
                      {"received_rows", m.received_rows}, {"dispatch_bytes", dispatch}, {"combine_bytes", combine}});
  }
  return {{"dp_rank", plan.position.dp_rank}, {"tp_rank", plan.position.tp_rank},
          {"ep_group", plan.position.dp_rank / plan.layout.ep}, {"layers", layers}};
}

}  // namespace

std::string moe_trace_json(MPI_Comm world, const Plan& plan) {
  if (!plan.shape.moe.active()) return {};
  const std::vector<std::string> ranks = gather_strings(world, rank_json(plan).dump());
  if (ranks.empty()) return {};
  const MoeShape& moe = plan.shape.moe;
  const MoeParams params = moe_params(plan.shape);
  nlohmann::json out = {{"experts", moe.experts}, {"topk", moe.topk}, {"ep", plan.layout.ep},
                        {"capacity_factor", moe.capacity}, {"zipf", moe.zipf}, {"every", moe.every},
                        {"tokens_per_replica", plan.shape.tokens()},
                        {"capacity_tokens", moe_capacity(moe, plan.shape.tokens())},
                        {"params_total", params.total}, {"params_active_per_token", params.active_per_token}};
  nlohmann::json per_rank = nlohmann::json::array();
  for (const std::string& r : ranks) per_rank.push_back(nlohmann::json::parse(r));
  out["ranks"] = std::move(per_rank);
  return out.dump();
}

}  // namespace flopwall
