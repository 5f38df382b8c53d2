#include "trace/trace_reader.hpp"

#include "trace/trace_validation.hpp"

namespace flopwall {

TraceData read_trace(const std::string& path) {
  TraceStream stream(path);
  return read_trace(stream);
}

TraceData read_trace(TraceStream& stream) {
  TraceData data = stream.meta();
  for (std::size_t r = 0; r < stream.rank_count(); ++r) stream.read(r, 0, stream.rows(r), data.ranks[r].events);
  return data;
}

}  // namespace flopwall
