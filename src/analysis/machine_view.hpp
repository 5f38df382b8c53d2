#pragma once
// The machine a trace ran on, from its /meta machine_json (written by run and
// collectives since trace files carry it), parsed once per report.
#include <string>
#include <vector>

#include "platform/machine_json.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

struct MachineView {
  std::vector<NodeClass> classes;  // empty when the trace has no description
  // Why there is none: "" when classes were read, else one line ("this trace
  // predates machine descriptions", "its machine description is damaged: …").
  std::string missing;
  // A cpu run whose OpenBLAS ran a fallback kernel on some node: every CPU
  // GEMM figure of the run is marked.
  bool blas_fallback = false;
};

MachineView machine_view(const TraceHeader& header);

}  // namespace flopwall
