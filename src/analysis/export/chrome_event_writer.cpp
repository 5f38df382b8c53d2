#include "analysis/export/chrome_event_writer.hpp"

#include <fmt/format.h>

namespace flopwall {
namespace {

// A JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD.
std::string json_string(std::string_view text) {
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline void put(fmt::memory_buffer& out, std::string_view text) { out.append(text.data(), text.data() + text.size()); }

template <class Int>
inline void put_int(fmt::memory_buffer& out, Int v) {
  const fmt::format_int f(v);
  out.append(f.data(), f.data() + f.size());
}

}  // namespace

void append_us(fmt::memory_buffer& out, std::int64_t ns) {
  std::uint64_t v = static_cast<std::uint64_t>(ns);
  if (ns < 0) {
    out.push_back('-');
    v = 0 - v;  // well defined for every int64, INT64_MIN included
  }
  put_int(out, v / 1000);
  const unsigned r = static_cast<unsigned>(v % 1000);
  const char frac[4] = {'.', static_cast<char>('0' + r / 100), static_cast<char>('0' + r / 10 % 10),
                        static_cast<char>('0' + r % 10)};
  out.append(frac, frac + 4);
}

ChromeEventWriter::ChromeEventWriter(const std::vector<OpInfo>& ops, ExportOutput& out) : m_out(out) {
  m_ops.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const OpInfo& op = ops[i];
    const std::string name = json_string(op.name);
    OpText t;
    t.slice_head = fmt::format(R"({{"name":{},"cat":{},"ph":"X","ts":)", name, json_string(op_kind_name(op.kind)));
    t.args_tail = fmt::format(R"(,"layer":{},"op":{})", op.layer, i);
    if (op.step >= 0) t.args_tail += fmt::format(R"(,"step":{})", op.step);
    if (op.kind == OpKind::comm) {
      t.args_tail += fmt::format(R"(,"group":{})", json_string(op.group));
      if (!op.collective.empty()) t.args_tail += fmt::format(R"(,"collective":{})", json_string(op.collective));
    }
    t.args_tail += "}}";
    t.flow_head = fmt::format(R"({{"name":{},"cat":"collective","ph":")", name);
    m_ops.push_back(std::move(t));
  }
}

void ChromeEventWriter::next_event() {
  put(m_out.buffer(), m_first ? std::string_view("\n") : std::string_view(",\n"));
  m_first = false;
}

void ChromeEventWriter::begin() { put(m_out.buffer(), R"({"traceEvents":[)"); }

void ChromeEventWriter::process(int pid, int rank, std::string_view hostname) {
  next_event();
  fmt::format_to(std::back_inserter(m_out.buffer()),
                 R"({{"name":"process_name","ph":"M","pid":{},"args":{{"name":{}}}}},)"
                 "\n"
                 R"({{"name":"process_sort_index","ph":"M","pid":{},"args":{{"sort_index":{}}}}})",
                 pid, json_string(fmt::format("rank {} ({})", rank, hostname)), pid, rank);
}

void ChromeEventWriter::thread(int pid, int tid, std::string_view name, int sort_index) {
  next_event();
  fmt::format_to(std::back_inserter(m_out.buffer()),
                 R"({{"name":"thread_name","ph":"M","pid":{},"tid":{},"args":{{"name":{}}}}},)"
                 "\n"
                 R"({{"name":"thread_sort_index","ph":"M","pid":{},"tid":{},"args":{{"sort_index":{}}}}})",
                 pid, tid, json_string(name), pid, tid, sort_index);
}

void ChromeEventWriter::slice(int pid, int tid, const TraceEvent& e) {
  next_event();
  fmt::memory_buffer& out = m_out.buffer();
  const OpText& t = m_ops[static_cast<std::size_t>(e.op)];
  put(out, t.slice_head);
  append_us(out, e.t_start_ns + m_offset_ns);
  put(out, R"(,"dur":)");
  append_us(out, e.t_end_ns - e.t_start_ns);  // the reader checked t_end_ns >= t_start_ns
  put(out, R"(,"pid":)");
  put_int(out, pid);
  put(out, R"(,"tid":)");
  put_int(out, tid);
  put(out, R"(,"args":{"iter":)");
  put_int(out, e.iter);
  put(out, R"(,"flops":)");
  put_int(out, e.flops);
  put(out, R"(,"bytes_mem":)");
  put_int(out, e.bytes_mem);
  put(out, R"(,"bytes_comm":)");
  put_int(out, e.bytes_comm);
  put(out, t.args_tail);
}

void ChromeEventWriter::flow(int pid, int tid, std::int32_t op, FlowStep step, std::uint64_t id, std::int64_t ts_ns) {
  next_event();
  fmt::memory_buffer& out = m_out.buffer();
  put(out, m_ops[static_cast<std::size_t>(op)].flow_head);
  put(out, step == FlowStep::start ? std::string_view("s") : step == FlowStep::step ? "t" : "f");
  // A string id in hex: Perfetto reads it as a 64-bit number, chrome://tracing
  // as a key; a JSON number past 2^53 would lose digits in JavaScript.
  fmt::format_to(std::back_inserter(out), R"(","id":"0x{:x}","ts":)", id);
  append_us(out, ts_ns + m_offset_ns);
  put(out, R"(,"pid":)");
  put_int(out, pid);
  put(out, R"(,"tid":)");
  put_int(out, tid);
  put(out, step == FlowStep::finish ? std::string_view(R"(,"bp":"e"})") : std::string_view("}"));
}

void ChromeEventWriter::clock_sync(int pid, int tid, std::int64_t ts_ns, const ClockSample& sample) {
  next_event();
  fmt::memory_buffer& out = m_out.buffer();
  put(out, R"({"name":"clock sync","cat":"clock","ph":"i","s":"p","ts":)");
  append_us(out, ts_ns + m_offset_ns);
  fmt::format_to(std::back_inserter(out), R"(,"pid":{},"tid":{},"args":{{"iter":{},"offset_ns":{},"error_ns":{}}}}})",
                 pid, tid, sample.iter, sample.offset_ns, sample.error_ns);
}

void ChromeEventWriter::end(const nlohmann::json& other_data) {
  fmt::format_to(std::back_inserter(m_out.buffer()), "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{}}}\n",
                 other_data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace flopwall
