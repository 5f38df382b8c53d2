// A synthetic trace of a large job, laid out exactly as `flopwall run`
// writes one (trace/trace_writer.hpp: the same header, /meta, /ops, rank
// attributes with group ids and clock samples, chunking and compression),
// for measuring `flopwall report` at scale (bench/report_scale.sh).
//
//   flopwall_synthetic_trace --ranks 1024 --events 20000 --out big.h5
//   mpirun -np 4 flopwall_synthetic_trace ...   (the ranks shared out)
//   ... --seed 2 --slowdown 0.2   another draw of the jitter; every op 20% slower
//                                 (flopwall compare's gate is tested on these)
//
// The ops are the project's own transformer plan (model/plan.hpp) for a
// gpt3-1.3b-shaped block, 4 layers, tensor-parallel over --tp ranks; each
// rank's events are whole iterations of it (--events rounded down). Times:
// compute at 400 TFLOP/s, memory ops at 3 TB/s, collectives at 150 GB/s bus
// bandwidth plus 8 us, each with ±3% jitter and a rare 2× hiccup; one rank
// (rank 3) computes 5% slower and so arrives last at its group's collectives
// far more often than chance. A collective ends, for every rank of its tp
// group, at the last arrival plus its transfer time, as in a real run.
#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/version.hpp"
#include "model/plan.hpp"
#include "runtime/run_metadata.hpp"
#include "trace/trace_writer.hpp"

namespace flopwall {
namespace {

struct Options {
  int ranks = 1024;
  std::int64_t events = 20000;
  int tp = 8;
  std::string out = "synthetic.h5";
  std::uint64_t seed = 0;  // which draw of the jitter
  double slowdown = 0;     // every op's nominal time × (1 + slowdown)
  bool help = false;
};

constexpr const char* k_usage =
    "usage: flopwall_synthetic_trace [--ranks N (1024)] [--events N per rank (20000)] [--tp N (8)]\n"
    "                                [--out FILE (synthetic.h5)] [--seed N (0)] [--slowdown F (0)]\n";

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "-h" || k == "--help") {
      o.help = true;
      return o;
    }
    // A flag without its value (once skipped, and a 1024-rank trace written).
    if (i + 1 >= argc) throw std::invalid_argument(k + " needs a value; see --help");
    const std::string v = argv[i + 1];
    if (k == "--ranks") o.ranks = std::stoi(v);
    else if (k == "--events") o.events = std::stoll(v);
    else if (k == "--tp") o.tp = std::stoi(v);
    else if (k == "--out") o.out = v;
    else if (k == "--seed") o.seed = std::stoull(v);
    else if (k == "--slowdown") o.slowdown = std::stod(v);
    else throw std::invalid_argument("unknown option " + k + "; valid: --ranks --events --tp --out --seed --slowdown");
  }
  if (o.ranks < 1 || o.tp < 1 || o.ranks % o.tp != 0 || o.events < 1 || !(o.slowdown > -1 && o.slowdown < 100))
    throw std::invalid_argument("--ranks must be a positive multiple of --tp, --events positive, --slowdown in (-1, 100)");
  return o;
}

// splitmix64: a deterministic uniform number in [0, 1) of (rank, iteration, op).
double uniform(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t z = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E5ULL) * 0xBF58476D1CE4E5B9ULL ^ c * 0x94D049BB133111EBULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

double nominal_ns(const Op& op) {
  switch (op.kind) {
    case OpKind::compute: return 2000 + static_cast<double>(op.flops) / 400e12 * 1e9;
    case OpKind::memory: return 1000 + static_cast<double>(op.bytes_mem) / 3e12 * 1e9;
    case OpKind::comm: return 8000 + static_cast<double>(op.bytes_comm) / 150e9 * 1e9;
    case OpKind::idle: return 0;
  }
  return 0;
}

std::int64_t jittered_ns(double nominal, int rank, std::int64_t iter, std::size_t op, std::uint64_t seed) {
  const std::uint64_t who = static_cast<std::uint64_t>(rank) + seed * 1'000'003;
  const double u = uniform(who, static_cast<std::uint64_t>(iter), op);
  double f = 0.97 + 0.06 * u;
  if (uniform(who + 7777, static_cast<std::uint64_t>(iter), op) < 0.002) f *= 2;
  return static_cast<std::int64_t>(nominal * f);
}

// One tp group's events, all its ranks together (a collective needs every
// member's arrival).
class GroupEvents {
 public:
  GroupEvents(const Plan& plan, int tp, std::int64_t iterations, std::uint64_t seed, double slowdown)
      : m_plan(plan), m_tp(tp), m_iterations(iterations), m_seed(seed), m_scale(1 + slowdown) {}

  std::span<const TraceEvent> rank(int r) {
    const int group = r / m_tp;
    if (group != m_group) generate(group);
    return m_events[static_cast<std::size_t>(r % m_tp)];
  }

 private:
  void generate(int group) {
    m_group = group;
    m_events.assign(static_cast<std::size_t>(m_tp), {});
    const std::size_t n_ops = m_plan.ops.size();
    for (auto& e : m_events) e.reserve(static_cast<std::size_t>(m_iterations) * n_ops);
    std::vector<std::int64_t> now(static_cast<std::size_t>(m_tp), 1'000'000);  // each rank's clock
    for (std::int64_t it = 0; it < m_iterations; ++it) {
      for (std::size_t k = 0; k < n_ops; ++k) {
        const Op& op = m_plan.ops[k];
        const double nominal = nominal_ns(op) * m_scale;
        if (op.kind == OpKind::comm) {
          const std::int64_t last = *std::max_element(now.begin(), now.end());
          const std::int64_t end = last + jittered_ns(nominal, group, it, k, m_seed);
          for (int m = 0; m < m_tp; ++m) {
            auto& t = now[static_cast<std::size_t>(m)];
            push(m, it, k, op, t, end);
            t = end;
          }
        } else {
          for (int m = 0; m < m_tp; ++m) {
            const int rank = group * m_tp + m;
            const double slow = rank == 3 && op.kind == OpKind::compute ? 1.05 : 1.0;
            auto& t = now[static_cast<std::size_t>(m)];
            const std::int64_t end = t + jittered_ns(nominal * slow, rank, it, k, m_seed);
            push(m, it, k, op, t, end);
            t = end + 500;  // the host's gap between ops
          }
        }
      }
    }
  }

  void push(int member, std::int64_t it, std::size_t k, const Op& op, std::int64_t start, std::int64_t end) {
    m_events[static_cast<std::size_t>(member)].push_back(
        {.iter = static_cast<std::int32_t>(it), .op = static_cast<std::int32_t>(k), .t_start_ns = start,
         .t_end_ns = end, .flops = op.flops, .bytes_mem = op.bytes_mem, .bytes_comm = op.bytes_comm});
  }

  const Plan& m_plan;
  int m_tp;
  std::int64_t m_iterations;
  std::uint64_t m_seed;
  double m_scale;
  int m_group = -1;
  std::vector<std::vector<TraceEvent>> m_events;  // per member
};

int generate(int argc, char** argv) {
  const Options o = parse(argc, argv);
  int me = 0, procs = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  if (o.help) {
    if (me == 0) fmt::print("{}", k_usage);
    return 0;
  }
  MPI_Comm_size(MPI_COMM_WORLD, &procs);

  ModelShape shape = model_preset("gpt3-1.3b");
  shape.layers = 4;
  const ParallelLayout layout{.world_size = o.ranks, .tp = o.tp};
  validate_layout(shape, layout);
  const Plan plan = build_transformer_plan(shape, layout, 0, DType::bf16);
  const std::int64_t iterations = std::max<std::int64_t>(1, o.events / static_cast<std::int64_t>(plan.ops.size()));
  const std::string config =
      fmt::format(R"({{"backend":"synthetic","batch":{},"dp":{},"dtype":"bf16","ffn":{},"heads":{},"hidden":{},)"
                  R"("iters":{},"layers":{},"model":"gpt3-1.3b","resync_every":100,"seq":{},"tp":{},"warmup":0,)"
                  R"("world_size":{}}})",
                  shape.batch, layout.dp(), shape.ffn, shape.heads, shape.hidden, iterations, shape.layers, shape.seq,
                  o.tp, o.ranks);

  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  TraceHeader header{.tool_version = build_info::k_version, .created_utc = utc_timestamp_iso(),
                     .command_line = command_line, .config_json = config, .world_size = o.ranks,
                     .backend = "synthetic", .meta = library_versions(), .environment = captured_environment()};
  for (auto& kv : host_and_job_meta()) header.meta.push_back(std::move(kv));
  std::vector<OpInfo> ops;
  for (const Op& op : plan.ops)
    ops.push_back({.name = op.name, .kind = op.kind, .layer = op.layer, .group = std::string(comm_group_name(op.group))});

  // Whole tp groups per process, so each process can time its groups' collectives.
  GroupEvents events(plan, o.tp, iterations, o.seed, o.slowdown);
  std::vector<RankSource> mine;
  for (int r = 0; r < o.ranks; ++r) {
    if ((r / o.tp) % procs != me) continue;
    RankInfo info{.hostname = fmt::format("node{:04d}", r / 8), .local_rank = r % 8,
                  .device = "synthetic H100 80GB", .clock_offset_ns = (r * 7919) % 20000 - 10000,
                  .clock_error_ns = 200 + (r * 31) % 1800, .groups = {}};
    for (const GroupMembership& m : comm_groups(layout, r))
      info.groups.emplace_back(std::string(comm_group_name(m.group)), m.color);
    for (std::int64_t it = 0; it < iterations; it += 100)
      info.clock_samples.push_back({.iter = static_cast<std::int32_t>(it), .pad_ = 0,
                                    .offset_ns = info.clock_offset_ns + it / 10, .error_ns = info.clock_error_ns});
    const std::uint64_t count = static_cast<std::uint64_t>(iterations) * plan.ops.size();
    mine.push_back({.rank = r, .info = std::move(info), .event_count = count, .events = [&events, r] {
                      return events.rank(r);
                    }});
  }
  write_trace_ranks(MPI_COMM_WORLD, {.path = o.out, .overwrite = true}, header, ops, mine);
  if (me == 0)
    fmt::print("wrote {}: {} ranks x {} events ({} iterations of {} ops)\n", o.out, o.ranks,
               static_cast<std::uint64_t>(iterations) * plan.ops.size(), iterations, plan.ops.size());
  return 0;
}

}  // namespace
}  // namespace flopwall

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rc = 0;
  try {
    rc = flopwall::generate(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "flopwall_synthetic_trace: {}\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  MPI_Finalize();
  return rc;
}
