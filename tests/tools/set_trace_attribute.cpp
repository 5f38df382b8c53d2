// set_trace_attribute TRACE.h5 OBJECT NAME VALUE_FILE: sets (or replaces)
// the string attribute NAME of OBJECT (e.g. /meta) to VALUE_FILE's contents,
// written as flopwall writes every string attribute (h5::write_attribute:
// fixed-length UTF-8). The tests put a calibration_json into a trace with
// it where h5py is not importable (tests/integration/roofline_cases.sh).
#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tools/table_edits.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fputs("usage: set_trace_attribute TRACE.h5 OBJECT NAME VALUE_FILE\n", stderr);
    return 2;
  }
  try {
    std::ifstream in(argv[4], std::ios::binary);
    if (!in) throw std::runtime_error(std::string("cannot read ") + argv[4]);
    std::ostringstream value;
    value << in.rdbuf();
    namespace edits = flopwall::damage::edits;
    flopwall::h5::Handle file = edits::open_rw(argv[1]);
    flopwall::h5::Handle obj(H5Oopen(file, argv[2], H5P_DEFAULT), H5Oclose);
    if (obj.get() < 0) throw std::runtime_error(std::string("no object ") + argv[2]);
    edits::set_string_attribute(obj, argv[3], value.str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "set_trace_attribute: %s\n", e.what());
    return 1;
  }
  return 0;
}
