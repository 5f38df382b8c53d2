// Bounds on what the command-line inputs make the job allocate.
#include "cli/input_limits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "platform/op_timer.hpp"
#include "core/checked_math.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "runtime/backends.hpp"
#include "model/plan.hpp"
#include "model/moe_block.hpp"
#include "model/plan_size.hpp"
#include "model/serve_plan.hpp"
#include "model/training_plan.hpp"
#include "platform/mpi_environment.hpp"
#include "sweep/size_steps.hpp"
#include "sweep/sweep_result.hpp"
#include "trace/trace_data.hpp"
#include "trace/trace_event.hpp"

namespace flopwall {
namespace {

using u64 = std::uint64_t;

// Fixed per-item sizes the footprints use beyond sizeof: heap text of a
// name past the small-string buffer ("layer1234.w_down",
// "allreduce.33554432B.world.oop") and the per-row text a printer renders.
constexpr u64 k_name_heap_bytes = 64;
constexpr u64 k_buffer_alignment_bytes = 64;  // cpu buffers are rounded up to a cache line
constexpr u64 k_rendered_row_bytes = 1024;    // a result row as JSON, CSV or text on rank 0, and in /collectives
constexpr u64 k_per_peer_bytes = 512;         // the trace writer's per-rank summary, hostname, device and groups

// Checked sums and products with one description for the whole footprint
// part; `what` names the flags and values the part is made of.
class Sizing {
 public:
  explicit Sizing(std::string what) : m_what(std::move(what)) {}
  u64 mul(u64 a, u64 b) const { return mul_or_throw(a, b, m_what); }
  u64 mul(u64 a, u64 b, u64 c) const { return mul(mul(a, b), c); }
  u64 add(u64 a, u64 b) const { return add_or_throw(a, b, m_what); }

 private:
  std::string m_what;
};

// The largest product of the block's GEMMs and per-head attention products
// (output elements): t·3h_l, t·h, t·f_l, s² and s·d.
u64 bf16_gemm_scratch_elements(const ModelShape& s, const ParallelLayout& layout, const Sizing& math) {
  const u64 tp = static_cast<u64>(layout.tp), t = math.mul(static_cast<u64>(s.batch), static_cast<u64>(s.seq));
  const u64 h = static_cast<u64>(s.hidden), f = static_cast<u64>(s.ffn), seq = static_cast<u64>(s.seq);
  return std::max({math.mul(t, math.mul(3, h / tp)), math.mul(t, h), math.mul(t, f / tp), math.mul(seq, seq),
                   math.mul(seq, h / static_cast<u64>(s.heads))});
}

struct Part {
  u64 bytes;
  std::string what;
  std::string advice;
};

// The total of the parts, described by the largest one; refused outright
// past k_max_footprint_bytes.
Footprint total_of(const std::vector<Part>& parts, const std::string& whole) {
  u64 total = 0;
  for (const Part& p : parts) total = add_or_throw(total, p.bytes, whole);
  const Part& top = *std::max_element(parts.begin(), parts.end(),
                                      [](const Part& a, const Part& b) { return a.bytes < b.bytes; });
  if (total > limits::k_max_footprint_bytes)
    throw UsageError(fmt::format("{} needs {} per rank, more than the {} any rank may hold; {}", top.what,
                                 units::bytes(static_cast<double>(total)),
                                 units::bytes(static_cast<double>(limits::k_max_footprint_bytes)), top.advice));
  return {.bytes_per_rank = total, .what = top.what, .advice = top.advice};
}

}  // namespace

std::string read_config_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    throw UsageError(fmt::format("--config '{}' cannot be read; give a readable INI file", path));
  if (fs::is_directory(status))
    throw UsageError(fmt::format("--config '{}' is a directory; give a readable INI file", path));
  // A device (/dev/zero) or a FIFO would be read forever, or block.
  if (!fs::is_regular_file(status))
    throw UsageError(fmt::format("--config '{}' is not a regular file; give a readable INI file", path));
  const std::uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > limits::k_max_config_bytes)
    throw UsageError(fmt::format("--config '{}' is {} bytes; give an INI file of at most {} bytes", path, size,
                                 limits::k_max_config_bytes));
  std::ifstream file(path, std::ios::binary);
  if (!file) throw UsageError(fmt::format("--config '{}' cannot be read; give a readable INI file", path));
  // Read at most one byte past the limit: the file may have grown since.
  std::string text(static_cast<std::size_t>(limits::k_max_config_bytes + 1), '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) throw UsageError(fmt::format("--config '{}' cannot be read; give a readable INI file", path));
  text.resize(static_cast<std::size_t>(file.gcount()));
  if (text.size() > limits::k_max_config_bytes)
    throw UsageError(fmt::format("--config '{}' is more than {} bytes; give an INI file of at most {} bytes", path,
                                 limits::k_max_config_bytes, limits::k_max_config_bytes));
  return text;
}

namespace {

PlanSize planned_size(const RunConfig& c, const ParallelLayout& layout) {
  validate_layout(c.shape, layout);  // transformer_plan_size divides by heads and tp
  PlanSize plan = c.mode == RunMode::serve ? serve_plan_size(c.shape, c.serve, layout, c.dtype)
                                           : transformer_plan_size(c.shape, layout, c.dtype);
  if (c.mode == RunMode::train) {  // the training step keeps every layer's activations and gradients
    const TrainingPlanSize t = training_plan_size(c.shape, layout, c.dtype, c.train.options);
    plan.buffer_bytes = t.buffer_bytes, plan.buffers = t.buffers, plan.ops = t.ops;
  }
  return plan;
}

}  // namespace

std::uint64_t planned_ops_per_iteration(const RunConfig& c, const ParallelLayout& layout) {
  return static_cast<std::uint64_t>(planned_size(c, layout).ops) + (c.injection.active() ? 1 : 0);
}

int duration_iteration_cap(const RunConfig& c, const ParallelLayout& layout) {
  const std::uint64_t ops = std::max<std::uint64_t>(planned_ops_per_iteration(c, layout), 1);
  return static_cast<int>(std::clamp<std::uint64_t>(k_duration_events_per_rank / ops, 1, limits::k_max_iters));
}

Footprint run_footprint(const RunConfig& c, const ParallelLayout& layout) {
  const PlanSize plan = planned_size(c, layout);
  const bool injected = c.injection.active();
  const u64 ops = plan.ops + (injected ? 1 : 0);
  const u64 iters = static_cast<u64>(std::max(c.iterations, 1));
  const std::string model = fmt::format("the model (--hidden {} --ffn {} --layers {} --seq {} --batch {} --tp {})",
                                        c.shape.hidden, c.shape.ffn, c.shape.layers, c.shape.seq, c.shape.batch,
                                        layout.tp);

  // The backend's buffers in host memory: on cpu all of them (each rounded
  // to a cache line); on cuda one host vector of the largest initialised
  // buffer in fp32 and its transposed copy.
  const Sizing buffers_math(model);
  const u64 buffers = backend_entry(c.backend).device_memory
                          ? buffers_math.mul(2, static_cast<u64>(plan.largest_filled_elements), sizeof(float))
                          : buffers_math.add(plan.buffer_bytes, buffers_math.mul(plan.buffers, k_buffer_alignment_bytes));
  // cpu bf16: the fp32 scratch cblas_sbgemm writes before the rounding to
  // bf16, sized for the plan's largest product (backend/cpu_device.cpp).
  const u64 bf16_scratch = !backend_entry(c.backend).device_memory && c.dtype == DType::bf16
                               ? buffers_math.mul(bf16_gemm_scratch_elements(c.shape, layout, buffers_math), sizeof(float))
                               : 0;

  // Per op: the Op, three span arrays (recorder, timer, warm-up), and the op
  // vocabulary and hang-locator labels (growing vectors: up to twice their
  // size) plus HDF5's copy of the /ops table. Per buffer: its spec and name.
  const std::string layers = fmt::format("--layers {} ({} ops per iteration)", c.shape.layers, ops);
  const Sizing meta_math(layers);
  const u64 per_op = sizeof(Op) + 3 * sizeof(OpSpan) + 4 * sizeof(OpInfo) + k_name_heap_bytes;
  const u64 meta = meta_math.add(meta_math.mul(ops, per_op),
                                 meta_math.mul(plan.buffers, sizeof(BufferSpec) + k_name_heap_bytes));

  // The recorder keeps every timed op's event until the trace is written.
  const std::string events_what = fmt::format("--iters {} with {} ops per iteration", c.iterations, ops);
  const Sizing events_math(events_what + " (the trace's events)");
  u64 events = events_math.mul(iters, ops, sizeof(TraceEvent));
  if (injected) events = events_math.add(events, events_math.mul(iters, sizeof(std::int64_t)));  // one delay each
  const u64 samples = 1 + (c.resync_every > 0 ? iters / static_cast<u64>(c.resync_every) : 0);
  events = events_math.add(events, events_math.mul(samples, sizeof(ClockSample)));

  const u64 moe_tables = moe_routing_table_bytes(c.shape, layout);
  const std::string moe_what = fmt::format("the MoE routing tables (--moe-experts {} --moe-topk {} --layers {} --seq {} "
                                           "--batch {})",
                                           c.shape.moe.experts, c.shape.moe.topk, c.shape.layers, c.shape.seq,
                                           c.shape.batch);

  return total_of({{buffers_math.add(buffers, bf16_scratch), model, "reduce --layers, --seq or --batch, or raise --tp"},
                   {meta, layers, "reduce --layers"},
                   {moe_tables, moe_what, "reduce --layers, --seq, --batch or --moe-topk"},
                   {events, events_what, "lower --iters (every timed op's event stays in memory until the trace is written)"}},
                  "the run's memory per rank");
}

void check_run_int_counts(const RunConfig& c, const ParallelLayout& layout) {
  if (!backend_entry(c.backend).int_counts) return;
  validate_layout(c.shape, layout);
  const ModelShape& s = c.shape;
  // Serve mode's largest phase is its prefill: --requests x the uncached prompt tokens.
  const std::int64_t tp = layout.tp,
                     tokens = c.mode == RunMode::serve
                                  ? mul_or_throw(c.serve.requests, c.serve.new_tokens(),
                                                 "--requests x the uncached prompt tokens")
                                  : s.tokens();
  if (c.mode == RunMode::serve && tp > 1) {
    const std::int64_t elements = mul_or_throw(tokens, s.hidden, "--requests x uncached prompt tokens x --hidden");
    if (elements > INT_MAX)
      throw UsageError(fmt::format("--requests {} --prompt-len {} --kv-hit {} --hidden {}: the prefill's tensor-parallel "
                                   "allreduce has {} elements, more than MPI's int counts allow ({}) on the cpu "
                                   "backend; lower --requests or --prompt-len, or raise --kv-hit",
                                   c.serve.requests, c.serve.prompt_len, c.serve.kv_hit, s.hidden, elements, INT_MAX));
  }
  if (tp > 1 && tokens * s.hidden > INT_MAX)  // validate_layout: the product fits int64
    throw UsageError(fmt::format("--hidden {} --seq {} --batch {}: the tensor-parallel allreduce has {} elements, more "
                                 "than MPI's int counts allow ({}) on the cpu backend; lower --seq, --batch or --hidden",
                                 s.hidden, s.seq, s.batch, tokens * s.hidden, INT_MAX));
  // OpenBLAS takes int dimensions and leading dimensions: tokens rows, and
  // hidden, 3·hidden/tp and ffn/tp columns.
  const std::pair<std::int64_t, const char*> dims[] = {
      {tokens, "tokens per replica (--batch x --seq)"},
      {s.hidden, "--hidden"},
      {3 * (s.hidden / tp), "the qkv width (3 x --hidden / --tp)"},
      {s.ffn / tp, "the MLP width (--ffn / --tp)"}};
  for (const auto& [value, name] : dims)
    if (value > INT_MAX)
      throw UsageError(fmt::format("{} is {}, more than OpenBLAS's int dimensions allow ({}) on the cpu backend; give "
                                   "smaller sizes",
                                   name, value, INT_MAX));
}

Footprint sweep_footprint(const SweepConfig& c, int world_size) {
  const u64 sizes = static_cast<u64>(size_step_count(c.min_bytes, c.max_bytes, c.step_factor, c.step_bytes));
  const u64 forms = c.in_place == InPlaceMode::both ? 2 : 1;
  // At most k_max_sweep_sizes + 1 sizes × 7 collectives × 3 tiers × 2 forms: no overflow.
  const u64 measured = sizes * c.collectives.size() * c.tiers.size() * forms;
  const u64 max_bytes = static_cast<u64>(std::max<std::int64_t>(c.max_bytes, 0));
  const u64 elements = max_bytes / static_cast<u64>(element_type_size(c.type));

  // Per tier an engine with a send and a receive buffer of --maxbytes (on cuda
  // in GPU memory); the check's host vectors of doubles (input, sentinel,
  // expected, result) and two byte images of the buffer (sentinel, host copy).
  const std::string buffers_what = fmt::format("--maxbytes {}", c.max_bytes);
  const Sizing buffers_math(buffers_what);
  u64 buffers = backend_entry(c.backend).device_memory ? 0 : buffers_math.mul(c.tiers.size(), 2, buffers_math.add(max_bytes, 8));
  buffers = buffers_math.add(buffers, buffers_math.mul(c.check ? 4 : 2, elements, sizeof(double)));
  buffers = buffers_math.add(buffers, buffers_math.mul(2, max_bytes));

  // Per size: the span per iteration, and doubles for this rank's and the
  // combined seconds and the statistics' sorted copy. Kept for the whole
  // sweep: one event per iteration per measured size, in a growing vector
  // (up to twice its size).
  const std::string iters_what = fmt::format("--iters {} over {} sizes", c.iters, sizes);
  const Sizing iters_math(iters_what);
  const u64 iters = static_cast<u64>(std::max(c.iters, 1));
  const u64 timings = iters_math.add(iters_math.mul(iters, sizeof(OpSpan) + 4 * sizeof(double)),
                                     iters_math.mul(2 * measured, iters, sizeof(TraceEvent)));

  // Per measured size: its op name in the trace and its result row (growing
  // vectors), and the row rendered for output; per peer the writer's tables.
  const std::string sizes_what =
      fmt::format("--minbytes {} --maxbytes {} ({} sizes)", c.min_bytes, c.max_bytes, sizes);
  const Sizing rows_math(sizes_what);
  const u64 per_measured = 2 * (sizeof(OpInfo) + k_name_heap_bytes) + 2 * sizeof(SweepRow) + k_rendered_row_bytes;
  const u64 rows = rows_math.add(rows_math.mul(measured, per_measured),
                                 rows_math.mul(static_cast<u64>(std::max(world_size, 1)), k_per_peer_bytes));

  return total_of({{buffers, buffers_what, "lower --maxbytes"},
                   {timings, iters_what, "lower --iters or measure fewer sizes"},
                   {rows, sizes_what, "measure fewer sizes (a larger -f or -i, or a narrower -b..-e)"}},
                  "the sweep's memory per rank");
}

void require_node_memory(MPI_Comm world, MPI_Comm node, const std::function<Footprint()>& footprint) {
  Footprint need;
  agreed(world, [&] { need = footprint(); });
  agree_on_usage_error(world, node_memory_problem(node, need.bytes_per_rank, need.what, need.advice));
}

}  // namespace flopwall
