#pragma once
// The training step's figures (docs/metrics.md, "Training step"): per
// iteration and rank, the forward pass, the backward pass, the
// tensor-parallel and the data-parallel gradient communication, how much of
// that communication was exposed, and MFU against the calibrated peak.
#include <memory>
#include <optional>
#include <string>

#include "analysis/report_context.hpp"
#include "analysis/report_section.hpp"

namespace flopwall {

struct TrainFigures {
  // Mean per rank and iteration, seconds: Σ event durations / (ranks · iterations).
  double forward_s = 0;         // ops before grad_seed, comm excluded
  double backward_s = 0;        // grad_seed and every later op, comm excluded
  double tp_comm_s = 0;         // comm ops of the tp group (forward and backward)
  double grad_allreduce_s = 0;  // comm ops of the dp group: the gradient buckets
  double exposed_comm_s = 0;    // communication with no compute beside it: every comm op's time
  double overlapped_comm_s = 0;  // compute and memory ops while a nonblocking collective was in flight
  bool overlap_grad_reduce = false;  // the gradient buckets were nonblocking (--overlap-grad-reduce)
  double grad_in_flight_s = 0;       // time with one or more of them in flight (their intervals' union)
  int grad_buckets = 0;
  double achieved_flops_per_s_per_rank = 0;        // model FLOPs / p50 step / ranks
  std::optional<double> calibrated_peak_flops_per_s;  // harmonic mean over ranks
  std::optional<double> mfu;                          // achieved / calibrated peak
  std::string mfu_why_not;                            // when there is no MFU
};

TrainFigures analyze_train(const ReportContext& context);
// Whether the trace is a training run (its config's mode).
bool is_train_trace(const ReportContext& context);
std::unique_ptr<ReportSection> make_train_section(const ReportContext& context);

}  // namespace flopwall
