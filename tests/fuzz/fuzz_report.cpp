// libFuzzer target: `flopwall report` on any bytes given as a trace file.
// Each input is written to a file and read as report reads it (read_trace,
// then read_sweep_tables); an input they accept is then reported in every
// format through report_command itself. A finding is a crash, a sanitizer
// report, a hang (-timeout), too much memory (-rss_limit_mb), a refusal that
// is not one line, an error that would exit 1 instead of 2, or an HDF5
// handle left open.
//
// The mutator works at two levels: libFuzzer's byte mutations (which meet
// HDF5's checksums, truncation, /ops and /collectives data, which are not
// checksummed) and, for inputs that are sound traces, edits made through
// HDF5 (tests/tools/trace_damage.hpp) that keep every checksum valid, so the
// reader's own checks of values, types and extents are what gets exercised.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <streambuf>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "trace/sweep_tables.hpp"
#include "tools/trace_damage.hpp"
#include "trace/h5.hpp"
#include "trace/trace_reader.hpp"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

std::string g_input_path;
std::string g_mutate_path;

// Discards what report prints: the fuzzer judges behaviour, not text.
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "\nflopwall fuzz finding: %s: %s\n", what, detail.c_str());
  std::abort();
}

void write_file(const std::string& path, const uint8_t* data, size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) finding("cannot write the input file", path);
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) finding("cannot write the input file", path);
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

void expect_one_line(const flopwall::UsageError& e) {
  const std::string message = e.what();
  if (message.empty() || message.find('\n') != std::string::npos) finding("refusal is not one line", message);
}

// The readers alone; true when the input is a trace report accepts.
bool read_as_report_does(const std::string& path) {
  try {
    flopwall::read_trace(path);
    flopwall::read_sweep_tables(path);
    return true;
  } catch (const flopwall::UsageError& e) {
    expect_one_line(e);
  } catch (const std::exception& e) {
    finding("report would exit 1 (not a UsageError)", e.what());
  }
  return false;
}

void report_every_format(const std::string& path) {
  NullBuffer null;
  std::streambuf* const saved = std::cout.rdbuf(&null);
  for (const char* format : {"text", "json", "csv", "html"}) {
    try {
      flopwall::report_command(0, nullptr, {path, "--format", format});
    } catch (const flopwall::UsageError& e) {
      expect_one_line(e);
    } catch (const std::exception& e) {
      std::cout.rdbuf(saved);
      finding("report would exit 1 (not a UsageError)", e.what());
    }
  }
  std::cout.rdbuf(saved);
}

std::string scratch_dir() {
  if (const char* dir = std::getenv("FLOPWALL_FUZZ_DIR"); dir && *dir) return dir;
  if (::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  if (const char* dir = std::getenv("TMPDIR"); dir && *dir) return dir;
  return "/tmp";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  flopwall::h5::silence_errors();
  const std::string stem = scratch_dir() + "/flopwall-fuzz-" + std::to_string(::getpid());
  g_input_path = stem + ".h5";
  g_mutate_path = stem + "-mutate.h5";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  write_file(g_input_path, data, size);
  if (read_as_report_does(g_input_path)) report_every_format(g_input_path);
  // A handle left open would also keep this file's metadata cached for the next input.
  const ssize_t open_objects = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (open_objects != 0) finding("HDF5 objects left open", std::to_string(open_objects));
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::mt19937_64 rng(seed);
  if (size == 0 || rng() % 2 == 0) return LLVMFuzzerMutate(data, size, max_size);
  write_file(g_mutate_path, data, size);
  // Only sound traces are edited through HDF5: its writer is not under test
  // and must not be handed damaged metadata.
  try {
    flopwall::read_trace(g_mutate_path);
    flopwall::read_sweep_tables(g_mutate_path);
  } catch (const std::exception&) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  if (!flopwall::damage::random_edit(g_mutate_path, rng)) return LLVMFuzzerMutate(data, size, max_size);
  struct stat st {};
  if (::stat(g_mutate_path.c_str(), &st) != 0 || st.st_size <= 0 || static_cast<size_t>(st.st_size) > max_size)
    return LLVMFuzzerMutate(data, size, max_size);
  std::ifstream in(g_mutate_path, std::ios::binary);
  const std::vector<char> bytes(std::istreambuf_iterator<char>(in), {});
  if (bytes.empty() || bytes.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}
