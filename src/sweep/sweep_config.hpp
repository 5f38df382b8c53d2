#pragma once
// What `flopwall collectives` was asked to measure (nccl-tests' flags).
#include <cstdint>
#include <string>
#include <vector>

#include "collectives/collective.hpp"

namespace flopwall {

enum class Tier : std::uint8_t { world, intra, inter };
std::string_view tier_name(Tier t) noexcept;

// How an iteration's per-rank times become one time (nccl-tests' -a).
enum class RankCombine : std::uint8_t { rank0 = 0, mean = 1, min = 2, max = 3 };

enum class InPlaceMode : std::uint8_t { both, yes, no };

struct SweepConfig {
  std::vector<Collective> collectives{Collective::allreduce};
  std::int64_t min_bytes = 8;
  std::int64_t max_bytes = 32ll << 20;
  double step_factor = 2;
  std::int64_t step_bytes = 0;  // > 0: additive steps instead of the factor
  int iters = 20;
  int warmup = 5;
  bool check = true;
  ReduceOp op = ReduceOp::sum;
  ElementType type = ElementType::float32;
  int root = 0;
  RankCombine combine = RankCombine::max;
  InPlaceMode in_place = InPlaceMode::both;
  std::vector<Tier> tiers{Tier::world};
  std::string backend;  // resolved: "cpu" or "cuda"
  std::string format = "text";
  std::string out;  // empty: no trace file
  bool overwrite = false;  // replace an existing --out file
  double timeout_s = 300;
  std::string topology;  // --topology, as for run ("" none)
  bool help = false;
  std::string help_text;
};

// Parses `flopwall collectives` arguments; throws UsageError on bad input.
SweepConfig parse_sweep_options(const std::vector<std::string>& args);
// "32M" → 33554432: an integer with an optional K, M or G suffix (powers of 1024).
std::int64_t parse_size(const std::string& text, const char* flag);
std::string sweep_config_json(const SweepConfig& c, int world_size);

}  // namespace flopwall
