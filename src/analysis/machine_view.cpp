#include "analysis/machine_view.hpp"

#include "platform/blas_warning.hpp"

namespace flopwall {

MachineView machine_view(const TraceHeader& header) {
  MachineView view;
  const std::string* text = find_value(header.meta, "machine_json");
  if (!text) {
    view.missing = "this trace has no machine description (written before flopwall recorded one)";
    return view;
  }
  try {
    view.classes = machine_from_json(nlohmann::json::parse(*text));
  } catch (const nlohmann::json::exception& e) {
    // A damaged description costs the report its machine lines, nothing else.
    view.classes.clear();
    view.missing = std::string("its machine description is damaged: ") + e.what();
    return view;
  }
  view.blas_fallback = header.backend == "cpu" && any_blas_fallback(view.classes);
  return view;
}

}  // namespace flopwall
