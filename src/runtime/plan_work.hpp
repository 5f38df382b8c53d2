#pragma once
// The plan's analytic work per op, as the Recorder copies it into events.
// A file of its own (no MPI): the recording benchmark links it alone.
#include <vector>

#include "model/plan.hpp"
#include "trace/recorder.hpp"

namespace flopwall {

// Each op's FLOPs and bytes, in plan order.
std::vector<OpWork> plan_work(const Plan& plan);

}  // namespace flopwall
