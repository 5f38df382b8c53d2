#include "cli/moe_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "cli/input_limits.hpp"
#include "core/error.hpp"
#include "model/moe_routing.hpp"

namespace flopwall {
namespace po = boost::program_options;
namespace {

// Bounds that keep the host-side routing tables small and every expert id
// an int32 (model/moe_routing.hpp); no published MoE comes near them.
constexpr std::int64_t k_max_experts = 65536;
constexpr double k_max_capacity = 1e6;
constexpr double k_max_zipf = 100;
constexpr std::int64_t k_max_cuda_topk = 16;  // kernels/cuda/moe_kernels.cuh, k_moe_max_topk

const char* const k_moe_flags[] = {"moe-topk", "moe-capacity", "moe-skew", "moe-every", "ep"};

}  // namespace

po::options_description moe_settings() {
  po::options_description d("Mixture of experts (docs/metrics.md, MoE)");
  d.add_options()
      ("moe-experts", po::value<std::string>(), "experts E per MoE MLP (default 0: dense MLPs)")
      ("moe-topk", po::value<std::string>(), "experts K each token is routed to (default 1)")
      ("ep", po::value<std::string>(), "expert-parallel degree: EP groups of this many DP replicas, each rank owning "
                                       "E/ep experts (default 1)")
      ("moe-capacity", po::value<std::string>(), "capacity factor C: an expert takes ceil(C x tokens x K / E) tokens per "
                                                 "replica, the rest are dropped (default 1.0)")
      ("moe-skew", po::value<std::string>(), "routing skew: uniform | zipf:S (expert popularity ~ 1/rank^S; default "
                                             "uniform)")
      ("moe-every", po::value<std::string>(), "every M-th block has an MoE MLP, the others dense (default 1)");
  return d;
}

void parse_moe_options(const po::variables_map& vm, RunConfig& cfg) {
  MoeShape& moe = cfg.shape.moe;
  if (vm.count("moe-experts"))
    moe.experts = parse_integer_option(vm["moe-experts"].as<std::string>(), "--moe-experts", 0, k_max_experts);
  if (!moe.active()) {
    for (const char* flag : k_moe_flags)
      if (vm.count(flag))
        throw UsageError(fmt::format("--{} needs --moe-experts E > 0; it only applies to an MoE MLP", flag));
    return;
  }
  if (vm.count("moe-topk")) {
    // Range first, so "topk > experts" names both values.
    moe.topk = parse_integer_option(vm["moe-topk"].as<std::string>(), "--moe-topk", std::numeric_limits<std::int64_t>::min(),
                                    std::numeric_limits<std::int64_t>::max());
    if (moe.topk < 1 || moe.topk > moe.experts)
      throw UsageError(fmt::format("--moe-topk {} is not valid with --moe-experts {}; give 1..{}", moe.topk,
                                   moe.experts, moe.experts));
  }
  cfg.ep = vm.count("ep") ? static_cast<int>(parse_integer_option(vm["ep"].as<std::string>(), "--ep", 1, k_max_experts))
                          : 1;
  if (vm.count("moe-capacity"))
    moe.capacity = parse_real_option(vm["moe-capacity"].as<std::string>(), "--moe-capacity", 0, true, k_max_capacity,
                                     "a capacity factor");
  if (vm.count("moe-every"))
    moe.every = parse_integer_option(vm["moe-every"].as<std::string>(), "--moe-every", 1, std::numeric_limits<std::int64_t>::max());
  if (vm.count("moe-skew")) {
    const std::string skew = vm["moe-skew"].as<std::string>();
    if (skew == "uniform") {
      moe.zipf = 0;
    } else {
      const std::optional<double> s = skew.rfind("zipf:", 0) == 0 ? parse_number(skew.substr(5)) : std::nullopt;
      if (!s || !(*s >= 0 && *s <= k_max_zipf))  // NaN fails both
        throw UsageError(fmt::format("--moe-skew '{}' is not valid; give uniform or zipf:S with an exponent S in [0, {}]",
                                     skew, k_max_zipf));
      moe.zipf = *s;
    }
    cfg.moe_skew = skew;
  }
}

void check_moe_backend(const RunConfig& cfg, const ParallelLayout& layout) {
  const MoeShape& moe = cfg.shape.moe;
  if (!moe.active()) return;
  if (cfg.backend == "cuda" && moe.topk > k_max_cuda_topk)
    throw UsageError(fmt::format("--moe-topk {} is not valid on the cuda backend; give at most {} (the top-k kernel "
                                 "keeps its list in registers)",
                                 moe.topk, k_max_cuda_topk));
  validate_layout(cfg.shape, layout);  // the products below fit int64
  const std::int64_t tokens = cfg.shape.tokens();
  const std::int64_t rows = std::max(tokens * moe.topk, moe_max_received_rows(moe, layout, tokens));
  if (rows > std::numeric_limits<int>::max() / cfg.shape.hidden)
    throw UsageError(fmt::format("--moe-topk {} --batch {} --seq {} --hidden {}: an all-to-all-v moves up to {} rows of "
                                 "{} elements, more than MPI's int counts allow; lower --batch, --seq or --moe-topk",
                                 moe.topk, cfg.shape.batch, cfg.shape.seq, cfg.shape.hidden, rows, cfg.shape.hidden));
}

void add_moe_config_json(nlohmann::json& j, const RunConfig& cfg) {
  const MoeShape& moe = cfg.shape.moe;
  if (!moe.active()) return;
  j["moe_experts"] = moe.experts;
  j["moe_topk"] = moe.topk;
  j["ep"] = cfg.ep;
  j["moe_capacity"] = moe.capacity;
  j["moe_skew"] = cfg.moe_skew;
  j["moe_zipf"] = moe.zipf;
  j["moe_every"] = moe.every;
}

}  // namespace flopwall
