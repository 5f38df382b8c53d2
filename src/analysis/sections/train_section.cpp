#include "analysis/sections/train_section.hpp"

#include "analysis/async_ops.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "analysis/json_number.hpp"
#include "analysis/report_accumulator.hpp"
#include "analysis/roofline.hpp"
#include "analysis/roofline_ceilings.hpp"
#include "analysis/sections/run_summary_section.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

// The op the training plan runs between the forward and the backward pass
// (model/training_plan.cpp): every op name first seen at or after it is backward.
constexpr const char* k_backward_anchor = "grad_seed";

class TrainSection final : public ReportSection {
 public:
  explicit TrainSection(const ReportContext& context) : m_f(analyze_train(context)) {}

  std::string text() const override {
    std::string s;
    auto out = std::back_inserter(s);
    fmt::format_to(out, "\ntraining step (mean per rank and iteration)\n");
    fmt::format_to(out, "  forward                   {}\n", units::seconds(m_f.forward_s));
    fmt::format_to(out, "  backward                  {}\n", units::seconds(m_f.backward_s));
    fmt::format_to(out, "  tensor-parallel comm      {}\n", units::seconds(m_f.tp_comm_s));
    fmt::format_to(out, "  gradient allreduce        {} in {} bucket{}\n", units::seconds(m_f.grad_allreduce_s),
                   m_f.grad_buckets, m_f.grad_buckets == 1 ? "" : "s");
    if (m_f.overlap_grad_reduce)
      fmt::format_to(out,
                     "  communication exposed     {}   overlapped {} (compute while a gradient allreduce was in "
                     "flight; in flight {})\n",
                     units::seconds(m_f.exposed_comm_s), units::seconds(m_f.overlapped_comm_s),
                     units::seconds(m_f.grad_in_flight_s));
    else
      fmt::format_to(out, "  communication exposed     {}   overlapped {} (ops run one after another)\n",
                     units::seconds(m_f.exposed_comm_s), units::seconds(m_f.overlapped_comm_s));
    if (m_f.mfu)
      fmt::format_to(out, "  MFU                       {:.1f}% ({} per rank of a calibrated {})\n", 100.0 * *m_f.mfu,
                     units::flop_rate(m_f.achieved_flops_per_s_per_rank),
                     units::flop_rate(*m_f.calibrated_peak_flops_per_s));
    else
      fmt::format_to(out, "  MFU                       not measured ({})\n", m_f.mfu_why_not);
    return s;
  }

  void add_json(json& report) const override {
    report["train"] = {{"forward_s", json_number(m_f.forward_s)},
                       {"backward_s", json_number(m_f.backward_s)},
                       {"tp_comm_s", json_number(m_f.tp_comm_s)},
                       {"grad_allreduce_s", json_number(m_f.grad_allreduce_s)},
                       {"grad_buckets", m_f.grad_buckets},
                       {"exposed_comm_s", json_number(m_f.exposed_comm_s)},
                       {"overlapped_comm_s", json_number(m_f.overlapped_comm_s)},
                       {"overlap_grad_reduce", m_f.overlap_grad_reduce},
                       {"grad_allreduce_in_flight_s", json_number(m_f.grad_in_flight_s)},
                       {"achieved_flops_per_s_per_rank", json_number(m_f.achieved_flops_per_s_per_rank)},
                       {"calibrated_peak_flops_per_s", m_f.calibrated_peak_flops_per_s
                                                           ? json_number(*m_f.calibrated_peak_flops_per_s)
                                                           : json(nullptr)},
                       {"mfu", m_f.mfu ? json_number(*m_f.mfu) : json(nullptr)}};
  }

  void add_csv_rows(LongCsv& csv) const override {
    const auto row = [&](const char* metric, double v) { csv.row("train", "all", metric, v); };
    row("forward_s", m_f.forward_s);
    row("backward_s", m_f.backward_s);
    row("tp_comm_s", m_f.tp_comm_s);
    row("grad_allreduce_s", m_f.grad_allreduce_s);
    row("exposed_comm_s", m_f.exposed_comm_s);
    row("overlapped_comm_s", m_f.overlapped_comm_s);
    row("grad_allreduce_in_flight_s", m_f.grad_in_flight_s);
    if (m_f.mfu) row("mfu", *m_f.mfu);
  }

 private:
  TrainFigures m_f;
};

}  // namespace

TrainFigures analyze_train(const ReportContext& context) {
  const TraceData& trace = context.trace;
  const ReportTotals& totals = *context.totals;
  TrainFigures f;
  const double ranks = std::max(1, trace.header.world_size);
  const double per = ranks * static_cast<double>(std::max<std::int64_t>(totals.iterations, 1)) * units::k_ns_per_s;
  const OpNames names = report_op_names(trace.ops);
  const AsyncOps async = async_ops(trace.ops);
  bool backward = false;
  for (std::size_t i = 0; i < names.names.size() && i < totals.ops.size(); ++i) {
    backward = backward || names.names[i] == k_backward_anchor;
    const OpInfo* info = &trace.ops[names.first_op[i]];
    if (info->kind == OpKind::idle) continue;
    const double seconds = totals.ops[i].time_ns.value() / per;
    if (info->kind != OpKind::comm)
      (backward ? f.backward_s : f.forward_s) += seconds;
    else if (info->group == "dp") {
      f.grad_allreduce_s += seconds;
      const AsyncRole role = async.role[names.first_op[i]];
      if (role != AsyncRole::wait) ++f.grad_buckets;  // a bucket's start and wait are one bucket
      if (role == AsyncRole::start) f.overlap_grad_reduce = true;
    } else
      f.tp_comm_s += seconds;
  }
  // A comm op's time is time the rank spent in it, computing nothing: all
  // of it is exposed. Overlapped buckets add what ran beside them: the
  // compute and memory ops while one was in flight (docs/metrics.md).
  f.exposed_comm_s = f.tp_comm_s + f.grad_allreduce_s;
  double overlapped_ns = 0, in_flight_ns = 0;
  for (const RankTotals& r : totals.ranks) {
    overlapped_ns += r.overlapped_ns.value();
    in_flight_ns += r.in_flight_ns.value();
  }
  f.overlapped_comm_s = overlapped_ns / per;
  f.grad_in_flight_s = in_flight_ns / per;

  const RunSummary run = analyze_run_summary(context);
  f.achieved_flops_per_s_per_rank = run.flops_per_s_total / ranks;
  const CalibrationRead read =
      ceilings_of(context.calibration, context.config.string_field("dtype").value_or(""), trace.header.world_size);
  if (!read.ceilings)
    f.mfu_why_not = read.why_not;
  else if (read.ceilings->devices.empty())
    f.mfu_why_not = read.devices_why_not;
  else {
    f.calibrated_peak_flops_per_s = job_ceiling(read.ceilings->devices).peak_flops_per_s;
    if (*f.calibrated_peak_flops_per_s > 0) f.mfu = f.achieved_flops_per_s_per_rank / *f.calibrated_peak_flops_per_s;
  }
  return f;
}

bool is_train_trace(const ReportContext& context) {
  return context.config.string_field("mode").value_or("") == "train";
}

std::unique_ptr<ReportSection> make_train_section(const ReportContext& context) {
  return std::make_unique<TrainSection>(context);
}

}  // namespace flopwall
