// What recording one op costs: the timer's two clock reads plus, per
// iteration, resolving the spans into the preallocated event buffer. The
// recorded "op" does nothing, so the time per op is pure overhead.
#include <benchmark/benchmark.h>

#include <optional>

#include "platform/steady_timer.hpp"
#include "runtime/plan_work.hpp"
#include "trace/recorder.hpp"

namespace flopwall {
namespace {

constexpr int k_iterations_per_batch = 1000;

void BM_RecordOneOp(benchmark::State& state) {
  const Plan plan = build_transformer_plan(model_preset("tiny"), {.world_size = 2, .tp = 2}, 0, DType::fp32);
  const std::size_t ops = plan.ops.size();
  SteadyTimer timer(ops);
  OpTimer& t = timer;  // through the interface, as the runner calls it
  std::optional<Recorder> recorder;
  recorder.emplace(plan_work(plan), k_iterations_per_batch);
  int iter = 0;
  for (auto _ : state) {
    if (iter == k_iterations_per_batch) {
      state.PauseTiming();
      recorder.emplace(plan_work(plan), k_iterations_per_batch);
      iter = 0;
      state.ResumeTiming();
    }
    for (std::size_t i = 0; i < ops; ++i) {
      t.begin(i);
      benchmark::ClobberMemory();
      t.end(i);
    }
    t.resolve(recorder->next_spans());
    recorder->commit(iter++);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ops));
  // Seconds per recorded op, printed with an SI prefix ("25.1n" = 25.1 ns).
  state.counters["per_op"] = benchmark::Counter(static_cast<double>(state.iterations() * ops),
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RecordOneOp);

void BM_SteadyClockRead(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(steady_now_ns());
}
BENCHMARK(BM_SteadyClockRead);

}  // namespace
}  // namespace flopwall

BENCHMARK_MAIN();
