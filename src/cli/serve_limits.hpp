#pragma once
// Serve mode's memory refusal on a host-memory backend: the KV cache grows
// with --requests, so a wave that does not fit names the largest request
// count that does, from the closed-form footprint (no trial allocation).
#include <mpi.h>

#include "cli/run_config.hpp"

namespace flopwall {

// Collective over `world`: an agreed UsageError when the ranks sharing a
// node's memory (`node`) need more than 90% of what it has available, the
// same criterion as require_node_memory. Nothing to do outside serve mode
// or on a device-memory backend (its make_device refuses the same way).
// Returns the largest --requests this node's memory holds (the report's
// serve.max_batch_for_memory); 0 where it is not known.
std::int64_t require_serve_memory(MPI_Comm world, MPI_Comm node, const RunConfig& config, const ParallelLayout& layout);

}  // namespace flopwall
