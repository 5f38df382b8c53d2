#pragma once
// Writes one trace file for the whole job with parallel HDF5: metadata is
// created collectively, then each rank writes its own /ranks/NNNNN/events.
// The file is written as PATH.tmp and renamed to PATH only once complete.
#include <mpi.h>

#include <hdf5.h>

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "trace/trace_data.hpp"

namespace flopwall {

// Writes further datasets of a kind of run (e.g. a sweep's /collectives):
// called on every rank while the file is open; only `writer` writes rows.
using ExtraTables = std::function<void(hid_t file, bool writer)>;

// Collective over `comm`. The header and ops are taken from rank 0.
void write_trace(MPI_Comm comm, const std::string& path, const TraceHeader& header, const std::vector<OpInfo>& ops,
                 const RankInfo& mine, std::span<const TraceEvent> events, const ExtraTables& extra = {});

}  // namespace flopwall
