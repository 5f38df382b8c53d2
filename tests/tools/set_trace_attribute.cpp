// set_trace_attribute TRACE.h5 OBJECT NAME VALUE_FILE: sets (or replaces)
// the string attribute NAME of OBJECT (e.g. /meta) to VALUE_FILE's contents,
// written as flopwall writes every string attribute (h5::write_attribute:
// fixed-length UTF-8). With --delete in place of VALUE_FILE, removes it (a
// trace as a version without that key wrote it). The tests edit a trace's
// calibration_json with it where h5py is not importable
// (tests/integration/roofline_cases.sh).
#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tools/table_edits.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fputs("usage: set_trace_attribute TRACE.h5 OBJECT NAME VALUE_FILE|--delete\n", stderr);
    return 2;
  }
  try {
    namespace edits = flopwall::damage::edits;
    if (std::string(argv[4]) == "--delete") {
      flopwall::h5::Handle file = edits::open_rw(argv[1]);
      if (H5Adelete_by_name(file, argv[2], argv[3], H5P_DEFAULT) < 0)
        throw std::runtime_error(std::string("no attribute ") + argv[3] + " on " + argv[2]);
      return 0;
    }
    std::ifstream in(argv[4], std::ios::binary);
    if (!in) throw std::runtime_error(std::string("cannot read ") + argv[4]);
    std::ostringstream value;
    value << in.rdbuf();
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
