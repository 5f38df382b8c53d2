#pragma once
// The Trace Event Format's JSON (what Perfetto's UI and chrome://tracing
// open), written one event at a time into an ExportOutput's buffer:
//
//   {"traceEvents":[
//   {"name":"qkv_proj","cat":"compute","ph":"X","ts":1234.567,"dur":8.250,"pid":0,"tid":1,"args":{...}},
//   ...
//   ],
//   "displayTimeUnit":"ns","otherData":{...}}
//
// One event per line. Times are ns on rank 0's timeline, printed as the
// format's µs with exactly three decimals from integer division, so every
// ns survives (1234567 ns is 1234.567) and no float rounds.
//
// Speed: an export writes millions of events, so nothing per event goes
// through a JSON library. Every string an event carries (op names, kinds,
// group and collective names, host names) is escaped once, up front, by
// nlohmann-json (a dumped JSON string, invalid UTF-8 from the trace replaced
// by U+FFFD), and kept with the fixed text around it; per event only
// integers are formatted, with fmt::format_int.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/export/collective_flows.hpp"
#include "analysis/export/export_output.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

class ChromeEventWriter {
 public:
  ChromeEventWriter(const std::vector<OpInfo>& ops, ExportOutput& out);

  // Adds `offset_ns` to every time written from now on (chrome_export.hpp).
  void set_ts_offset(std::int64_t offset_ns) noexcept { m_offset_ns = offset_ns; }
  // `{"traceEvents":[`.
  void begin();
  // The process of `rank`: its name "rank R (host)", its place R.
  void process(int pid, int rank, std::string_view hostname);
  // A thread's name and its place within its process.
  void thread(int pid, int tid, std::string_view name, int sort_index);
  // A complete event ("X") for one row of a rank's events table.
  void slice(int pid, int tid, const TraceEvent& e);
  // The rank's part ("s", "t" or "f") in the flow of collective instance
  // `id`, at `ts_ns` on the thread of its slice.
  void flow(int pid, int tid, std::int32_t op, FlowStep step, std::uint64_t id, std::int64_t ts_ns);
  // A process-wide instant ("i") where a clock-offset estimate took effect.
  void clock_sync(int pid, int tid, std::int64_t ts_ns, const ClockSample& sample);
  // Closes the array and writes displayTimeUnit and otherData.
  void end(const nlohmann::json& other_data);

 private:
  struct OpText {
    std::string slice_head;  // {"name":…,"cat":…,"ph":"X","ts":
    std::string args_tail;   // ,"layer":…,"op":…[,…]}}
    std::string flow_head;   // {"name":…,"cat":"collective","ph":"
  };
  void next_event();

  ExportOutput& m_out;
  std::vector<OpText> m_ops;
  bool m_first = true;
  std::int64_t m_offset_ns = 0;
};

// Appends `ns` as µs with three decimals: 1234567 → "1234.567", -5 → "-0.005".
void append_us(fmt::memory_buffer& out, std::int64_t ns);

}  // namespace flopwall
