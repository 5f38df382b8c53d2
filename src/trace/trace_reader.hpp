#pragma once
// Reads a whole trace file. Anything that is not a complete flopwall trace
// of a known schema version is rejected with a one-line UsageError: the
// file's own faults as "damaged trace PATH: what" (trace_validation.hpp
// lists what is checked), before anything is allocated for them.
#include <string>

#include "trace/trace_data.hpp"
#include "trace/trace_stream.hpp"

namespace flopwall {

TraceData read_trace(const std::string& path);
// The rows of a trace already opened (and checked) as a stream.
TraceData read_trace(TraceStream& stream);

}  // namespace flopwall
