#include "sweep/sweep_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "core/statistics.hpp"
#include "platform/steady_clock.hpp"
#include "platform/steady_timer.hpp"
#include "runtime/graceful_stop.hpp"
#include "platform/mpi_check.hpp"
#include "runtime/node_groups.hpp"
#include "runtime/time_origin.hpp"
#include "sweep/size_steps.hpp"

namespace flopwall {
namespace {

// This rank's figures combined element by element with every other rank's
// (nccl-tests' -a), over the whole world so parallel groups count too.
std::vector<double> combined(const std::vector<double>& mine, RankCombine how, int world_size) {
  std::vector<double> out(mine.size());
  const int n = static_cast<int>(mine.size());
  switch (how) {
    case RankCombine::rank0:
      out = mine;
      FLOPWALL_MPI_CHECK(MPI_Bcast(out.data(), n, MPI_DOUBLE, 0, MPI_COMM_WORLD));
      break;
    case RankCombine::mean:
      FLOPWALL_MPI_CHECK(MPI_Allreduce(mine.data(), out.data(), n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
      for (double& v : out) v /= world_size;
      break;
    case RankCombine::min:
      FLOPWALL_MPI_CHECK(MPI_Allreduce(mine.data(), out.data(), n, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD));
      break;
    case RankCombine::max:
      FLOPWALL_MPI_CHECK(MPI_Allreduce(mine.data(), out.data(), n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
      break;
  }
  return out;
}

std::int64_t world_sum(std::int64_t v) {
  std::int64_t total = 0;
  FLOPWALL_MPI_CHECK(MPI_Allreduce(&v, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD));
  return total;
}

int world_max(int v) {
  int m = 0;
  FLOPWALL_MPI_CHECK(MPI_Allreduce(&v, &m, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
  return m;
}

constexpr int k_forms = 2;  // out of place, in place
// A tier's warm-up lasts at least this long (see SweepRunner::warm_up).
constexpr std::int64_t k_tier_warmup_ns = 200'000'000;

// The trace's op name of one measured (collective, size, tier, form).
std::string sweep_op_name(std::string_view collective, std::int64_t requested_bytes, Tier tier, bool in_place) {
  return fmt::format("{}.{}B.{}.{}", collective, requested_bytes, tier_name(tier), in_place ? "ip" : "oop");
}

class SweepRunner {
 public:
  SweepRunner(const SweepConfig& c, int world_size, const ClockEstimate& clock, SweepTrace& trace, HangLocator* locator)
      : m_c(c),
        m_sizes(size_steps(c.min_bytes, c.max_bytes, c.step_factor, c.step_bytes)),
        m_world_size(world_size),
        m_trace(trace),
        m_locator(locator),
        m_shift_ns(clock.offset_ns) {}

  void set_origin(std::int64_t origin_ns) { m_shift_ns += origin_ns; }

  // Checks what only the tier's communicator can tell (datatype and op on the
  // transport, the root's range); every tier is checked before any measures.
  void validate(const Transport& engine, Tier tier) const {
    for (Collective c : m_c.collectives) validate(engine, c, tier);
  }

  // Returns false when the job agreed to stop (result.stop_signal).
  bool run_tier(Tier tier, Transport& engine, SweepResult& result) {
    m_tier = tier;
    if (result.transport.empty()) result.transport = std::string(engine.name());
    engine.reserve(static_cast<std::size_t>(m_c.max_bytes + 8));
    warm_up(engine, tier);
    for (std::size_t ci = 0; ci < m_c.collectives.size(); ++ci) {
      const Collective c = m_c.collectives[ci];
      std::vector<std::pair<double, double>> fit_points;
      for (std::size_t si = 0; si < m_sizes.size() && result.stop_signal == 0; ++si) {
        m_op_base = op_index(tier, ci, si);
        measure_size(engine, tier, c, m_sizes[si], result, fit_points);
        // Between sizes, outside every timed call: has any rank been asked to stop?
        result.stop_signal = agree_on_stop(MPI_COMM_WORLD);
      }
      SweepFit fit = fit_alpha_beta(fit_points);
      fit.collective = std::string(descriptor(c).name);
      fit.tier = std::string(tier_name(tier));
      result.fits.push_back(fit);
      if (result.stop_signal != 0) return false;
    }
    return true;
  }

 private:
  void validate(const Transport& engine, Collective c, Tier tier) const {
    const auto& d = descriptor(c);
    agree_on_usage_error(MPI_COMM_WORLD, engine.unsupported(m_c.type, d.reduces ? std::optional(m_c.op) : std::nullopt));
    std::optional<std::string> bad_root;
    if (d.rooted && (m_c.root < 0 || m_c.root >= engine.size()))
      bad_root = fmt::format("--root {} is outside the {} communicator of {} ranks (tier {}); valid: 0..{}", m_c.root,
                             d.name, engine.size(), tier_name(tier), engine.size() - 1);
    agree_on_usage_error(MPI_COMM_WORLD, bad_root);
  }

  // Before a tier's first size, as nccl-tests does: the first collective at
  // the largest size (every connection and buffer the sweep will use comes
  // up), then at the smallest until the warm-up has lasted
  // k_tier_warmup_ns on every rank. Without it, a job's first fraction of a
  // second over TCP (connections still opening, windows growing, the
  // launcher's daemons settling) made the first sizes read several times
  // slower than the same sizes a second later. Nothing here is timed or recorded.
  void warm_up(Transport& engine, Tier tier) {
    const auto& d = descriptor(m_c.collectives.front());
    const std::int64_t e = element_type_size(m_c.type);
    const std::int64_t start_ns = steady_now_ns();
    if (m_locator) m_locator->issued(op_index(tier, 0, m_sizes.size() - 1), -1);  // the largest size's op
    for (const std::int64_t size : {m_sizes.back(), m_sizes.front()}) {
      const CollectiveShape shape = d.shape(size / e, engine.size());
      if (world_max(shape.count == 0 ? 1 : 0) == 1) continue;  // skipped everywhere, as measure_size does
      std::vector<double> input;
      const CollectiveCall call = load_call(engine, d, shape, false, input);
      const bool smallest = size == m_sizes.front();
      // One timed call too, thrown away: every transport's run() takes one
      // (the CUDA timer is not made for none).
      std::vector<OpSpan> discarded(1);
      // Agreed rounds: every rank goes on while any rank is short of the time.
      do engine.run(call, std::max(m_c.warmup, 1), discarded);
      while (smallest && world_max(steady_now_ns() - start_ns < k_tier_warmup_ns ? 1 : 0) == 1);
    }
    if (m_locator) m_locator->completed();
  }

  // The hang locator's op of (tier, collective, size), out of place; +1 in place.
  int op_index(Tier tier, std::size_t collective, std::size_t size) const {
    return static_cast<int>(
        ((static_cast<std::size_t>(tier) * m_c.collectives.size() + collective) * m_sizes.size() + size) * k_forms);
  }

  // The call of one size and form, with this rank's input written where it
  // reads it (kept in `input`: the check loads it again).
  CollectiveCall load_call(Transport& engine, const CollectiveDescriptor& d, const CollectiveShape& shape,
                           bool in_place, std::vector<double>& input) const {
    const CollectiveCall call{.collective = d.kind, .shape = shape, .type = m_c.type, .op = m_c.op, .root = m_c.root,
                              .in_place = in_place};
    input.assign(static_cast<std::size_t>(shape.send_count), 0.0);
    d.input(input, shape, engine.rank(), engine.size(), m_c.op, m_c.root);
    engine.load(call, input);
    return call;
  }

  void note_once(SweepResult& result, std::string note) {
    if (std::find(result.notes.begin(), result.notes.end(), note) == result.notes.end()) result.notes.push_back(note);
  }

  void measure_size(Transport& engine, Tier tier, Collective c, std::int64_t size, SweepResult& result,
                    std::vector<std::pair<double, double>>& fit_points) {
    const auto& d = descriptor(c);
    const int n = engine.size();
    const std::int64_t e = element_type_size(m_c.type);
    const CollectiveShape shape = d.shape(size / e, n);
    // Every rank takes part in the world-wide reductions of every measured
    // size, so a size is skipped everywhere if any group rounds it to nothing.
    if (world_max(shape.count == 0 ? 1 : 0) == 1) {
      note_once(result, fmt::format("{} {} B on tier {}: less than one {}{} in some group; skipped", d.name, size,
                                    tier_name(tier), element_type_name(m_c.type),
                                    d.shape(n, n).param_count == n ? "" : " per rank"));
      return;
    }
    if (shape.count * e != size)
      note_once(result, fmt::format("{} {} B rounded to {} B: a whole number of {}-byte elements{}", d.name, size,
                                    shape.count * e, e, shape.count != size / e ? fmt::format(" per rank ({} ranks)", n) : ""));
    for (bool in_place : {false, true}) {
      if ((in_place && m_c.in_place == InPlaceMode::no) || (!in_place && m_c.in_place == InPlaceMode::yes)) continue;
      SweepRow row{.collective = std::string(d.name), .tier = std::string(tier_name(tier)), .size_bytes = shape.count * e,
                   .count = shape.count, .dtype = std::string(element_type_name(m_c.type)),
                   .redop = d.reduces ? std::string(reduce_op_name(m_c.op)) : "", .root = d.rooted ? m_c.root : -1,
                   .inplace = in_place};
      if (in_place && !(d.in_place && engine.supports_in_place(c))) {
        row.available = false;
        result.rows.push_back(row);
        continue;
      }
      if (m_locator) m_locator->issued(m_op_base + (in_place ? 1 : 0), 0);
      measure(engine, d, shape, size, row);
      if (m_locator) m_locator->completed();
      // The fit uses the out-of-place rows, or the in-place ones when only they run.
      if (!row.inplace || m_c.in_place == InPlaceMode::yes)
        fit_points.emplace_back(static_cast<double>(row.size_bytes), row.time_us);
      result.rows.push_back(row);
    }
  }

  void measure(Transport& engine, const CollectiveDescriptor& d, const CollectiveShape& shape,
               std::int64_t requested_bytes, SweepRow& row) {
    const int n = engine.size(), rank = engine.rank();
    std::vector<double> input;
    const CollectiveCall call = load_call(engine, d, shape, row.inplace, input);
    std::vector<OpSpan> spans(static_cast<std::size_t>(m_c.iters));
    try {
      engine.run(call, m_c.warmup, spans);
    } catch (const OpFailure& f) {
      throw std::runtime_error(fmt::format("{} in {} {} B (tier {}, iteration {})", f.what(), d.name, row.size_bytes,
                                           row.tier, f.op_index()));
    }
    record(row, requested_bytes, spans, d.busbw_factor(n));

    // Each iteration's duration, then this rank's mean, combined over the
    // ranks in one reduction. time is the combined mean, as nccl-tests
    // computes it (with -a 3, the slowest rank's mean); the percentiles and
    // the maximum combine ranks per iteration first, so that one slow
    // iteration of one rank stays visible (docs/metrics.md).
    std::vector<double> mine;
    mine.reserve(spans.size() + 1);
    double my_total_s = 0;
    for (const OpSpan& span : spans) {
      mine.push_back(static_cast<double>(span.end_ns - span.start_ns) / 1e9);
      my_total_s += mine.back();
    }
    mine.push_back(my_total_s / static_cast<double>(spans.size()));
    std::vector<double> seconds = combined(mine, m_c.combine, m_world_size);
    const double time_s = seconds.back();
    seconds.pop_back();
    const stats::Summary s = stats::summarize(seconds);
    row.time_us = time_s * 1e6;
    row.p50_us = s.p50 * 1e6;
    row.p99_us = s.p99 * 1e6;
    row.max_us = s.max * 1e6;
    row.algbw_gbs = static_cast<double>(row.size_bytes) / 1e9 / time_s;
    row.busbw_gbs = row.algbw_gbs * d.busbw_factor(n);

    row.wrong = -1;
    if (m_c.check) {
      // Fresh inputs (in-place iterations overwrote them), one more call, compare.
      engine.load(call, input);
      std::vector<OpSpan> once(1);
      engine.run(call, 0, once);
      std::vector<double> expected(static_cast<std::size_t>(shape.recv_count));
      d.expected(expected, shape, rank, n, m_c.op, m_c.root, m_c.type);
      row.wrong = world_sum(count_wrong(engine.result(call), expected, m_c.op, m_c.type));
    }
  }

  // One event per iteration on this rank; the op names collective, requested
  // size (the same on every rank, whatever its group rounds to), tier and
  // form, e.g. "allreduce.65536B.world.oop".
  void record(const SweepRow& row, std::int64_t requested_bytes, std::span<const OpSpan> spans, double busbw_factor) {
    const auto op = static_cast<std::int32_t>(m_trace.ops.size());
    m_trace.ops.push_back({.name = sweep_op_name(row.collective, requested_bytes, m_tier, row.inplace),
                           .kind = OpKind::comm, .layer = -1, .group = row.tier});
    const auto bytes = static_cast<std::uint64_t>(static_cast<double>(row.size_bytes) * busbw_factor);
    for (std::size_t i = 0; i < spans.size(); ++i)
      m_trace.events.push_back({.iter = static_cast<std::int32_t>(i), .op = op,
                                .t_start_ns = spans[i].start_ns - m_shift_ns, .t_end_ns = spans[i].end_ns - m_shift_ns,
                                .flops = 0, .bytes_mem = 0, .bytes_comm = bytes});
  }

  const SweepConfig& m_c;
  std::vector<std::int64_t> m_sizes;
  int m_world_size;
  SweepTrace& m_trace;
  HangLocator* m_locator;
  std::int64_t m_shift_ns;
  int m_op_base = 0;  // the locator's op of the size being measured (out of place; +1 in place)
  Tier m_tier = Tier::world;
};

}  // namespace

int sweep_op_count(const SweepConfig& c) {
  const auto sizes = size_steps(c.min_bytes, c.max_bytes, c.step_factor, c.step_bytes).size();
  return static_cast<int>(3 * c.collectives.size() * sizes * k_forms);  // every tier, whichever run
}

HangLocator::OpLabeler sweep_op_labeler(const SweepConfig& c) {
  return [collectives = c.collectives, sizes = size_steps(c.min_bytes, c.max_bytes, c.step_factor, c.step_bytes)](int op) {
    const auto index = static_cast<std::size_t>(op);
    const bool in_place = index % k_forms == 1;
    const std::size_t size = index / k_forms % sizes.size();
    const std::size_t collective = index / k_forms / sizes.size() % collectives.size();
    const auto tier = static_cast<Tier>(index / k_forms / sizes.size() / collectives.size());
    return std::pair{sweep_op_name(descriptor(collectives[collective]).name, sizes[size], tier, in_place), -1};
  };
}

SweepResult run_sweep(const SweepConfig& config, const std::string& hostname, const TransportFactory& make_engine,
                      const ClockEstimate& clock, SweepTrace& trace, HangLocator* locator) {
  int rank = 0, size = 1;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  FLOPWALL_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
  SweepResult result{.backend = config.backend, .world_size = size};
  NodeGroups groups = make_node_groups(MPI_COMM_WORLD, hostname);
  trace.groups = {{"world", 0}, {"intra", groups.node_index}, {"inter", groups.local_index}};
  MpiComm world = split_comm(MPI_COMM_WORLD, 0, rank);
  SweepRunner runner(config, size, clock, trace, locator);
  runner.set_origin(common_time_origin(MPI_COMM_WORLD, clock));
  std::vector<std::pair<Tier, std::unique_ptr<Transport>>> engines;
  for (Tier tier : config.tiers) {
    const MPI_Comm comm = tier == Tier::world ? world.get() : tier == Tier::intra ? groups.intra.get() : groups.inter.get();
    int group_size = 1;
    FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &group_size));
    if (tier != Tier::world && world_max(group_size) == 1) {
      result.notes.push_back(fmt::format("tier {}: every group has one rank; nothing to measure", tier_name(tier)));
      continue;
    }
    engines.emplace_back(tier, make_engine(comm));
    runner.validate(*engines.back().second, tier);
  }
  for (auto& [tier, engine] : engines)
    if (!runner.run_tier(tier, *engine, result)) break;
  return result;
}

}  // namespace flopwall
