#pragma once
// The sweep's results inside its trace file: /collectives (the printed
// columns, one row per measured result) and /collective_fits.
#include <hdf5.h>

#include <optional>
#include <string>

#include "trace/sweep_data.hpp"

namespace flopwall {

// Inside write_trace's collective phase: every rank creates the datasets,
// only `writer` (rank 0) writes their rows.
void write_sweep_tables(hid_t file, const SweepResult& result, bool writer);
// The sweep stored in a trace file, or nothing when it has none.
std::optional<SweepResult> read_sweep_tables(const std::string& path);

}  // namespace flopwall
