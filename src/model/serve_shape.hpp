#pragma once
// The serve wave's own sizes (--mode serve): see model/serve_plan.hpp.
#include <cstdint>

namespace flopwall {

struct ServeShape {
  std::int64_t prompt_len = 0;    // P, tokens per prompt
  std::int64_t decode_steps = 0;  // S, tokens decoded per request
  double kv_hit = 0;              // H in [0, 1], the prefix-cache hit rate
  std::int64_t requests = 0;      // R, requests decoded as one batch per replica

  // round(H·P), but at most P − 1: the last prompt token is always computed,
  // since its output is the first generated token (as vLLM does on a full hit).
  std::int64_t cached_tokens() const noexcept;
  std::int64_t new_tokens() const noexcept { return prompt_len - cached_tokens(); }
  std::int64_t cache_len() const;  // P + S positions per request; checked
};

}  // namespace flopwall
