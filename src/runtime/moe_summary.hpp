#pragma once
// The routing summary an MoE run stores in its trace (/meta moe_json,
// docs/trace-format.md): the settings, the parameter counts, and per rank
// and MoE layer the dropped assignments, the rows sent and received and the
// all-to-all bytes on the wire (the plan's, equal to the events' bytes_comm).
#include <mpi.h>

#include <string>

#include "model/plan.hpp"

namespace flopwall {

// Collective over `world`: the JSON on rank 0, empty elsewhere; empty on
// every rank when the plan has no MoE layer.
std::string moe_trace_json(MPI_Comm world, const Plan& plan);

}  // namespace flopwall
