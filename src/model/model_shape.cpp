#include "model/model_shape.hpp"

#include <array>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "model/moe_routing.hpp"
#include "model/plan_size.hpp"

namespace flopwall {
namespace {

struct NamedShape {
  const char* name;
  ModelShape shape;
};

// Layer shapes only; docs/models.md gives the sources and what differs from
// the published architectures (the block here is always MHA + GELU MLP).
constexpr std::array<NamedShape, 3> k_presets{{
    {"tiny", {.hidden = 256, .heads = 4, .ffn = 1024, .layers = 2, .seq = 64, .batch = 2}},
    {"gpt3-1.3b", {.hidden = 2048, .heads = 16, .ffn = 8192, .layers = 24, .seq = 2048, .batch = 1}},
    {"llama2-7b", {.hidden = 4096, .heads = 32, .ffn = 11008, .layers = 32, .seq = 4096, .batch = 1}},
}};

void require_positive(std::int64_t v, const char* flag) {
  if (v <= 0) throw UsageError(fmt::format("--{} {} is not valid; it must be a positive integer", flag, v));
}

}  // namespace

ModelShape model_preset(std::string_view name) {
  for (const auto& p : k_presets)
    if (name == p.name) return p.shape;
  throw UsageError(fmt::format("--model '{}' is not a known preset; valid: {}", name,
                               fmt::join(model_preset_names(), ", ")));
}

std::vector<std::string> model_preset_names() {
  std::vector<std::string> names;
  for (const auto& p : k_presets) names.emplace_back(p.name);
  return names;
}

void validate_layout(const ModelShape& s, const ParallelLayout& l) {
  require_positive(s.hidden, "hidden");
  require_positive(s.heads, "heads");
  require_positive(s.ffn, "ffn");
  require_positive(s.layers, "layers");
  require_positive(s.seq, "seq");
  require_positive(s.batch, "batch");
  if (l.tp <= 0) throw UsageError(fmt::format("--tp {} is not valid; it must be a positive integer", l.tp));
  if (s.hidden % s.heads != 0)
    throw UsageError(fmt::format("--hidden {} is not divisible by --heads {}; the head size must be whole",
                                 s.hidden, s.heads));
  if (l.world_size % l.tp != 0)
    throw UsageError(fmt::format("world size {} is not a multiple of --tp {}; use a --tp that divides it",
                                 l.world_size, l.tp));
  if (s.heads % l.tp != 0)
    throw UsageError(fmt::format("--heads {} is not divisible by --tp {}; each rank needs whole heads",
                                 s.heads, l.tp));
  if (s.ffn % l.tp != 0)
    throw UsageError(fmt::format("--ffn {} is not divisible by --tp {}; the MLP splits by columns",
                                 s.ffn, l.tp));
  if (s.layers > k_max_layers)
    throw UsageError(fmt::format("--layers {} is not valid; give at most {} (each layer adds up to {} ops and the "
                                 "trace's op ids are 32-bit)",
                                 s.layers, k_max_layers, k_max_ops_per_layer));
  validate_moe(s, l);
  // Every size the plan derives must fit 64-bit arithmetic (else it wraps to
  // a small buffer that the kernels overrun). fp64 has the widest elements in
  // every buffer, so a shape that fits in fp64 fits in every dtype.
  transformer_plan_size(s, l, DType::fp64);
}

}  // namespace flopwall
