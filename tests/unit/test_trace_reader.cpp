#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "core/error.hpp"
#include "trace/h5.hpp"
#include "trace/trace_reader.hpp"

namespace flopwall {
namespace {

std::string read_error(const std::string& path) {
  try {
    read_trace(path);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "<accepted>";
}

// An HDF5 file with the given root attributes and nothing else.
std::string make_h5(const std::string& name, const std::string& schema, std::int64_t version, std::int64_t complete) {
  const std::string path = testing::TempDir() + name;
  h5::silence_errors();
  h5::Handle f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!schema.empty()) h5::write_attribute(f, "schema", schema);
  if (version >= 0) h5::write_attribute(f, "schema_version", version);
  if (complete >= 0) h5::write_attribute(f, "complete", complete);
  return path;
}

TEST(TraceReader, RejectsAMissingFile) {
  EXPECT_NE(read_error("/nonexistent/run.h5").find("does not exist"), std::string::npos);
}

TEST(TraceReader, RejectsAFileThatIsNotHdf5) {
  const std::string path = testing::TempDir() + "not_hdf5.h5";
  std::ofstream(path) << "iter,op\n1,2\n";
  EXPECT_NE(read_error(path).find("is not an HDF5 file"), std::string::npos);
  std::remove(path.c_str());
}

TEST(TraceReader, RejectsHdf5ThatIsNotATrace) {
  const std::string path = make_h5("plain.h5", "", -1, -1);
  EXPECT_NE(read_error(path).find("is not a flopwall trace"), std::string::npos);
  const std::string other = make_h5("other.h5", "someone-else", 1, 1);
  EXPECT_NE(read_error(other).find("its schema is 'someone-else'"), std::string::npos);
  std::remove(path.c_str());
  std::remove(other.c_str());
}

TEST(TraceReader, RejectsAnotherSchemaVersion) {
  const std::string path = make_h5("v99.h5", "flopwall-trace", 99, 1);
  EXPECT_NE(read_error(path).find("schema version 99"), std::string::npos);
  std::remove(path.c_str());
}

TEST(TraceReader, RejectsAnIncompleteTrace) {
  const std::string path = make_h5("incomplete.h5", "flopwall-trace", 1, 0);
  EXPECT_NE(read_error(path).find("is incomplete"), std::string::npos);
  std::remove(path.c_str());
}

TEST(TraceReader, RejectsATraceWithMissingParts) {
  const std::string path = make_h5("hollow.h5", "flopwall-trace", 1, 1);
  EXPECT_NE(read_error(path).find("is a damaged flopwall trace"), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace flopwall
