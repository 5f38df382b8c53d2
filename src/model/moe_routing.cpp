#include "model/moe_routing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/checked_math.hpp"
#include "core/error.hpp"
#include "model/plan_size.hpp"

namespace flopwall {
namespace {

// splitmix64 (as buffer_spec.cpp): a counter-based stream, so a replica's
// routing is a pure function of (layer, replica) on every rank.
class Stream {
 public:
  explicit Stream(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t x = (m_state += 0x9e3779b97f4a7c15ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  std::uint64_t m_state;
};

constexpr std::uint64_t k_routing_seed = 0x3E0E5EEDULL;

std::uint64_t seed_of(std::int64_t layer, std::int64_t replica) {
  return k_routing_seed ^ (static_cast<std::uint64_t>(layer) << 32) ^ static_cast<std::uint64_t>(replica) * 0x9E37ULL;
}

}  // namespace

void validate_moe(const ModelShape& shape, const ParallelLayout& layout) {
  const MoeShape& m = shape.moe;
  if (!m.active()) {
    if (layout.ep > 0)
      throw UsageError(fmt::format("--ep {} needs --moe-experts; expert parallelism splits the experts of an MoE layer",
                                   layout.ep));
    return;
  }
  if (m.topk < 1 || m.topk > m.experts)
    throw UsageError(fmt::format("--moe-topk {} is not valid with --moe-experts {}; give 1..{}", m.topk, m.experts,
                                 m.experts));
  if (layout.ep < 1) throw UsageError(fmt::format("--ep {} is not valid; give a positive integer", layout.ep));
  if (m.experts % layout.ep != 0)
    throw UsageError(fmt::format("--moe-experts {} is not divisible by --ep {}; each EP rank owns whole experts",
                                 m.experts, layout.ep));
  if (layout.dp() % layout.ep != 0)
    throw UsageError(fmt::format("--ep {} does not divide the {} data-parallel replicas (world size {} / --tp {}); EP "
                                 "groups are carved from the data-parallel ranks",
                                 layout.ep, layout.dp(), layout.world_size, layout.tp));
  if (!(m.capacity > 0) || !std::isfinite(m.capacity))
    throw UsageError(fmt::format("--moe-capacity {} is not valid; give a capacity factor > 0", m.capacity));
  if (!(m.zipf >= 0) || !std::isfinite(m.zipf))
    throw UsageError(fmt::format("--moe-skew zipf:{} is not valid; give an exponent >= 0", m.zipf));
  if (m.every < 1) throw UsageError(fmt::format("--moe-every {} is not valid; give a positive integer", m.every));
  if (shape.layers > k_max_moe_layers)
    throw UsageError(fmt::format("--layers {} is not valid with --moe-experts; give at most {} (an MoE layer adds up "
                                 "to {} ops and the trace's op ids are 32-bit)",
                                 shape.layers, k_max_moe_layers, k_max_moe_ops_per_layer));
  // The buffers sized from the routing bounds must fit 64-bit arithmetic.
  moe_max_received_rows(m, layout, shape.tokens());
  mul_or_throw(shape.tokens(), m.topk, "--batch x --seq x --moe-topk (expert assignments per replica)");
}

std::int64_t moe_capacity(const MoeShape& moe, std::int64_t tokens) {
  // In double: C·t·K/E past t is clamped to t (a token visits an expert once).
  const double want = std::ceil(moe.capacity * static_cast<double>(tokens) * static_cast<double>(moe.topk) /
                                static_cast<double>(moe.experts));
  return want >= static_cast<double>(tokens) ? tokens : std::max<std::int64_t>(1, static_cast<std::int64_t>(want));
}

std::int64_t moe_max_received_rows(const MoeShape& moe, const ParallelLayout&, std::int64_t tokens) {
  // An EP rank's E/ep experts each take up to `capacity` rows from each of
  // the ep replicas of its group: ep · (E/ep) · capacity = E · capacity.
  return mul_or_throw(moe.experts, moe_capacity(moe, tokens),
                      "--moe-experts x the expert capacity (rows an EP rank may receive)");
}

ReplicaRoute route_replica(const MoeShape& moe, std::int64_t tokens, std::int64_t layer, std::int64_t replica) {
  const std::int64_t E = moe.experts, K = moe.topk;
  Stream rng(seed_of(layer, replica));
  // Expert popularity by rank ∝ 1/rank^s; a per-(layer, replica) shuffle
  // decides which expert holds which rank, so the hot experts differ.
  std::vector<std::int32_t> by_rank(static_cast<std::size_t>(E));
  std::iota(by_rank.begin(), by_rank.end(), 0);
  for (std::int64_t i = E - 1; i > 0; --i)
    std::swap(by_rank[static_cast<std::size_t>(i)],
              by_rank[static_cast<std::size_t>(rng.next() % static_cast<std::uint64_t>(i + 1))]);
  std::vector<double> cdf(static_cast<std::size_t>(E));
  double total = 0;
  for (std::int64_t r = 0; r < E; ++r) cdf[static_cast<std::size_t>(r)] = total += std::pow(double(r + 1), -moe.zipf);

  ReplicaRoute route;
  const auto slots = static_cast<std::size_t>(tokens * K);
  route.expert.resize(slots);
  route.weight.resize(slots);
  route.kept.resize(slots);
  std::vector<std::uint8_t> taken(static_cast<std::size_t>(E), 0);
  std::vector<std::int64_t> load(static_cast<std::size_t>(E), 0);
  const std::int64_t capacity = moe_capacity(moe, tokens);
  std::vector<std::int64_t> picks(static_cast<std::size_t>(K));
  for (std::int64_t t = 0; t < tokens; ++t) {
    double weight_sum = 0;
    for (std::int64_t k = 0; k < K; ++k) {
      // Without replacement: redraw a rank already taken by this token (a
      // bounded number of times, then the most popular free rank).
      std::int64_t pick = -1;
      for (int attempt = 0; attempt < 64 && pick < 0; ++attempt) {
        const double u = rng.uniform() * total;
        const auto r = static_cast<std::int64_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
        const std::int64_t rank = std::min(r, E - 1);
        if (!taken[static_cast<std::size_t>(rank)]) pick = rank;
      }
      for (std::int64_t r = 0; r < E && pick < 0; ++r)
        if (!taken[static_cast<std::size_t>(r)]) pick = r;
      taken[static_cast<std::size_t>(pick)] = 1;
      picks[static_cast<std::size_t>(k)] = pick;
      const auto s = static_cast<std::size_t>(t * K + k);
      const std::int32_t expert = by_rank[static_cast<std::size_t>(pick)];
      route.expert[s] = expert;
      route.weight[s] = 0.1 + rng.uniform();  // a positive gate, normalised below as a softmax's are
      weight_sum += route.weight[s];
      // Capacity in token order: an expert that is full drops the assignment.
      if (load[static_cast<std::size_t>(expert)] < capacity) {
        ++load[static_cast<std::size_t>(expert)];
        route.kept[s] = 1;
      } else {
        ++route.dropped;
      }
    }
    for (std::int64_t k = 0; k < K; ++k) {
      route.weight[static_cast<std::size_t>(t * K + k)] /= weight_sum;
      taken[static_cast<std::size_t>(picks[static_cast<std::size_t>(k)])] = 0;
    }
  }
  return route;
}

RankRoute route_rank(const MoeShape& moe, const ParallelLayout& layout, std::int64_t tokens, std::int64_t layer,
                     int dp_rank) {
  const std::int64_t N = layout.ep, E = moe.experts, K = moe.topk, E_l = E / N;
  const std::int64_t group_first = dp_rank / N * N, me = dp_rank % N;
  RankRoute out;
  out.send_counts.assign(static_cast<std::size_t>(N), 0);
  out.recv_counts.assign(static_cast<std::size_t>(N), 0);
  out.expert_rows.assign(static_cast<std::size_t>(E_l), 0);

  // Sending: this replica's kept slots bucketed by expert (EP rank q owns
  // experts [q·E_l, (q+1)·E_l), so expert order is destination order).
  const ReplicaRoute own = route_replica(moe, tokens, layer, dp_rank);
  out.dropped = own.dropped;
  std::vector<std::vector<std::int64_t>> bucket(static_cast<std::size_t>(E));
  for (std::int64_t s = 0; s < tokens * K; ++s)
    if (own.kept[static_cast<std::size_t>(s)]) bucket[static_cast<std::size_t>(own.expert[static_cast<std::size_t>(s)])].push_back(s);
  std::vector<std::int64_t> send_row_of_slot(static_cast<std::size_t>(tokens * K), -1);
  for (std::int64_t e = 0; e < E; ++e)
    for (std::int64_t s : bucket[static_cast<std::size_t>(e)]) {
      send_row_of_slot[static_cast<std::size_t>(s)] = static_cast<std::int64_t>(out.permute.size());
      out.permute.push_back(s / K);
      ++out.send_counts[static_cast<std::size_t>(e / E_l)];
    }
  out.combine_offsets.reserve(static_cast<std::size_t>(tokens + 1));
  out.combine_offsets.push_back(0);
  for (std::int64_t t = 0; t < tokens; ++t) {
    for (std::int64_t k = 0; k < K; ++k) {
      const auto s = static_cast<std::size_t>(t * K + k);
      if (!own.kept[s]) continue;  // a dropped choice adds nothing: the residual passes through
      out.combine_slots.push_back(send_row_of_slot[s]);
      out.combine_weights.push_back(own.weight[s]);
    }
    out.combine_offsets.push_back(static_cast<std::int64_t>(out.combine_slots.size()));
  }

  // Receiving: from each replica p of the group, its rows for this rank's
  // experts, expert by expert (the order p sent them in).
  std::vector<std::vector<std::int64_t>> count(static_cast<std::size_t>(N), std::vector<std::int64_t>(static_cast<std::size_t>(E_l), 0));
  for (std::int64_t p = 0; p < N; ++p) {
    const ReplicaRoute peer = p == me ? own : route_replica(moe, tokens, layer, group_first + p);
    for (std::int64_t s = 0; s < tokens * K; ++s) {
      const std::int64_t e = peer.expert[static_cast<std::size_t>(s)] - me * E_l;
      if (peer.kept[static_cast<std::size_t>(s)] && e >= 0 && e < E_l) ++count[static_cast<std::size_t>(p)][static_cast<std::size_t>(e)];
    }
    for (std::int64_t e = 0; e < E_l; ++e) {
      out.recv_counts[static_cast<std::size_t>(p)] += count[static_cast<std::size_t>(p)][static_cast<std::size_t>(e)];
      out.expert_rows[static_cast<std::size_t>(e)] += count[static_cast<std::size_t>(p)][static_cast<std::size_t>(e)];
    }
  }
  // Where the rows of (p, e) start in the received buffer.
  std::vector<std::int64_t> block_start(static_cast<std::size_t>(N * E_l));
  std::int64_t at = 0;
  for (std::int64_t p = 0; p < N; ++p)
    for (std::int64_t e = 0; e < E_l; ++e) {
      block_start[static_cast<std::size_t>(p * E_l + e)] = at;
      at += count[static_cast<std::size_t>(p)][static_cast<std::size_t>(e)];
    }
  out.regroup.reserve(static_cast<std::size_t>(at));
  for (std::int64_t e = 0; e < E_l; ++e)
    for (std::int64_t p = 0; p < N; ++p)
      for (std::int64_t i = 0; i < count[static_cast<std::size_t>(p)][static_cast<std::size_t>(e)]; ++i)
        out.regroup.push_back(block_start[static_cast<std::size_t>(p * E_l + e)] + i);
  out.unregroup.assign(out.regroup.size(), 0);
  for (std::size_t j = 0; j < out.regroup.size(); ++j) out.unregroup[static_cast<std::size_t>(out.regroup[j])] = static_cast<std::int64_t>(j);
  return out;
}

}  // namespace flopwall
