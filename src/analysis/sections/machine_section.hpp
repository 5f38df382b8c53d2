#pragma once
// The machine: every node class of the job (what its nodes are made of),
// the BLAS kernel judged, and the peaks achieved FLOP/s is measured against.
#include <memory>

#include "analysis/report_section.hpp"

namespace flopwall {

std::unique_ptr<ReportSection> make_machine_section(const ReportContext& context);

}  // namespace flopwall
