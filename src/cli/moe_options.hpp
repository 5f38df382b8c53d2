#pragma once
// `flopwall run`'s MoE flags (--moe-experts, --moe-topk, --ep, --moe-capacity,
// --moe-skew, --moe-every): their descriptions, parsing and config keys.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "cli/run_config.hpp"

namespace flopwall {

boost::program_options::options_description moe_settings();
// Reads the MoE flags into cfg.shape.moe, cfg.ep and cfg.moe_skew; throws
// UsageError naming the flag (a flag given without --moe-experts included).
// The layout-dependent checks are validate_moe's (model/moe_routing.hpp).
void parse_moe_options(const boost::program_options::variables_map& vm, RunConfig& cfg);
// Once the backend is resolved: the cuda top-k kernel takes K ≤ 16, and the
// all-to-all-v counts (rows · hidden) must fit MPI's int counts.
void check_moe_backend(const RunConfig& cfg, const ParallelLayout& layout);
// Adds the MoE keys to the trace's config_json (MoE runs only).
void add_moe_config_json(nlohmann::json& j, const RunConfig& cfg);

}  // namespace flopwall
