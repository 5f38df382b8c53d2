#include "analysis/sections/moe_section.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include "analysis/json_number.hpp"
#include "core/key_values.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

json optional_number(const std::optional<double>& v) { return v ? json_number(*v) : json(nullptr); }

std::int64_t integer(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

class MoeSection final : public ReportSection {
 public:
  explicit MoeSection(const ReportContext& context) : m(analyze_moe(context)) {}

  std::string text() const override {
    std::string s;
    auto out = std::back_inserter(s);
    if (!m.missing.empty()) {
      fmt::format_to(out, "\nmixture of experts: {}\n", m.missing);
      return s;
    }
    fmt::format_to(out, "\nmixture of experts: {} experts, top-{}, ep {}, capacity {} tokens per expert and replica\n",
                   m.experts, m.topk, m.ep, m.capacity_tokens);
    fmt::format_to(out, "  parameters                  {} in all, {} active per token ({:.1f}%)\n",
                   fmt::format("{:.0f}", m.params_total), fmt::format("{:.0f}", m.params_active_per_token),
                   m.params_total > 0 ? 100.0 * m.params_active_per_token / m.params_total : 0.0);
    fmt::format_to(out, "  FLOPs per token             {}\n",
                   m.active_flops_per_token ? units::flops(*m.active_flops_per_token) : "-");
    fmt::format_to(out, "  all-to-all imbalance        {}\n",
                   m.alltoall_imbalance ? fmt::format("{:.2f} (max/mean dispatch bytes sent per rank, worst EP group)",
                                                      *m.alltoall_imbalance)
                                        : std::string("- (no all-to-all traffic between ranks: ep 1)"));
    fmt::format_to(out, "  dropped over capacity       {} of {} assignments per iteration ({:.2f}%)\n", m.dropped,
                   m.assignments, m.assignments > 0 ? 100.0 * static_cast<double>(m.dropped) / m.assignments : 0.0);
    return s;
  }

  void add_json(json& report) const override {
    if (!m.missing.empty()) {
      report["moe"] = {{"missing", m.missing}};
      return;
    }
    report["moe"] = {{"experts", m.experts},
                     {"topk", m.topk},
                     {"ep", m.ep},
                     {"capacity_tokens", m.capacity_tokens},
                     {"params_total", json_number(m.params_total)},
                     {"params_active_per_token", json_number(m.params_active_per_token)},
                     {"active_flops_per_token", optional_number(m.active_flops_per_token)},
                     {"alltoall_imbalance", optional_number(m.alltoall_imbalance)},
                     {"dropped_tokens", m.dropped},
                     {"assignments", m.assignments}};
  }

  void add_csv_rows(LongCsv& csv) const override {
    if (!m.missing.empty()) return;
    csv.row("moe", "", "params_total", m.params_total);
    csv.row("moe", "", "params_active_per_token", m.params_active_per_token);
    csv.row("moe", "", "active_flops_per_token", m.active_flops_per_token.value_or(std::nan("")));
    csv.row("moe", "", "alltoall_imbalance", m.alltoall_imbalance.value_or(std::nan("")));
    csv.row("moe", "", "dropped_tokens", static_cast<double>(m.dropped));
  }

 private:
  MoeFigures m;
};

}  // namespace

bool has_moe(const ReportContext& context) { return find_value(context.trace.header.meta, "moe_json") != nullptr; }

MoeFigures analyze_moe(const ReportContext& context) {
  MoeFigures f;
  const std::string* text = find_value(context.trace.header.meta, "moe_json");
  const json doc = text ? json::parse(*text, nullptr, false) : json();
  if (!doc.is_object() || !doc.contains("ranks") || !doc["ranks"].is_array()) {
    f.missing = "the trace's /meta moe_json is missing or not valid JSON";
    return f;
  }
  f.experts = integer(doc, "experts");
  f.topk = integer(doc, "topk");
  f.ep = integer(doc, "ep");
  f.capacity_tokens = integer(doc, "capacity_tokens");
  f.params_total = static_cast<double>(integer(doc, "params_total"));
  f.params_active_per_token = static_cast<double>(integer(doc, "params_active_per_token"));
  const std::int64_t tokens = integer(doc, "tokens_per_replica");

  // Per EP group: the bytes each rank sends in the dispatch all-to-alls of
  // an iteration (the plan's bytes_comm of its moe_dispatch events; the
  // combine sends back what the dispatch received, so summing both would
  // hide the imbalance of a 2-rank group); per replica (its TP rank 0): the
  // dropped assignments.
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<double>> group_bytes;  // (ep group, tp rank)
  std::int64_t replicas = 0, moe_layers = 0;
  for (const json& r : doc["ranks"]) {
    if (!r.is_object() || !r.contains("layers") || !r["layers"].is_array()) continue;
    double sent = 0;
    std::int64_t dropped = 0;
    for (const json& l : r["layers"]) {
      sent += static_cast<double>(integer(l, "dispatch_bytes"));
      dropped += integer(l, "dropped");
    }
    group_bytes[{integer(r, "ep_group"), integer(r, "tp_rank")}].push_back(sent);
    if (integer(r, "tp_rank") == 0) {
      ++replicas;
      f.dropped += dropped;
      moe_layers = static_cast<std::int64_t>(r["layers"].size());
    }
  }
  f.assignments = replicas * tokens * f.topk * moe_layers;
  for (const auto& [group, bytes] : group_bytes) {
    double total = 0, most = 0;
    for (double b : bytes) {
      total += b;
      most = std::max(most, b);
    }
    if (total > 0) f.alltoall_imbalance = std::max(f.alltoall_imbalance.value_or(0), most / (total / bytes.size()));
  }
  if (context.iterations > 0 && replicas > 0 && tokens > 0)
    f.active_flops_per_token =
        context.totals->flops.value() / context.iterations / (static_cast<double>(replicas) * static_cast<double>(tokens));
  return f;
}

std::unique_ptr<ReportSection> make_moe_section(const ReportContext& context) {
  return std::make_unique<MoeSection>(context);
}

}  // namespace flopwall
