// The doctor's BLAS probe against a stand-in for `flopwall gemm-probe`: a
// shell script that answers as the real child would, per OPENBLAS_CORETYPE,
// and reports what it saw of its environment. The test process' own
// OPENBLAS_CORETYPE is never touched.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/blas_probe.hpp"

namespace flopwall {
namespace {

constexpr const char* k_fake_probe = R"(#!/bin/sh
# gemm-probe --seconds S --size N
[ "$1" = gemm-probe ] && [ "$2" = --seconds ] && [ "$4" = --size ] || { echo "bad args: $*" >&2; exit 2; }
mpi=$(env | grep -c -e '^OMPI_' -e '^PMIX_')
threads=${OPENBLAS_NUM_THREADS:-unset}
line() { echo "{\"corename\":\"$1\",\"size\":$5,\"calls\":1,\"flops_per_s\":$2,\"max_rel_error\":$3,\"mpi\":$mpi,\"threads\":\"$threads\",\"seconds\":\"$4\"}"; }
case "$OPENBLAS_CORETYPE" in
  Haswell) line Haswell 2e9 0 "$3" "$5" ;;
  Zen) line zen 3e9 1e-7 "$3" "$5" ;;
  Broken) line Broken 9e9 0.5 "$3" "$5" ;;
  SapphireRapids) line Cooperlake 8e9 0 "$3" "$5" ;;
  Fails) echo "first line" >&2; echo "it went wrong" >&2; exit 3 ;;
  Crash) kill -SEGV $$ ;;
  Garbled) echo "{not json" ;;
  *) echo "unexpected OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE" >&2; exit 4 ;;
esac
)";

class BlasProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() /
            ("flopwall_blas_probe_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(m_dir);
    m_exe = (m_dir / "fake_flopwall").string();
    std::ofstream(m_exe) << k_fake_probe;
    ::chmod(m_exe.c_str(), 0755);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }

  std::filesystem::path m_dir;
  std::string m_exe;
};

TEST_F(BlasProbe, EachKernelInItsOwnChild) {
  const char* before = std::getenv("OPENBLAS_CORETYPE");
  const std::string before_value = before ? before : "(unset)";
  const auto results =
      probe_blas_kernels(m_exe, {"Haswell", "Zen", "Broken", "SapphireRapids", "Fails", "Crash", "Garbled"}, 0.5, 256);
  ASSERT_EQ(results.size(), 7u);
  const char* after = std::getenv("OPENBLAS_CORETYPE");
  EXPECT_EQ(after ? after : "(unset)", before_value);

  EXPECT_EQ(results[0].kernel, "Haswell");
  EXPECT_TRUE(results[0].error.empty()) << results[0].error;
  EXPECT_TRUE(results[0].available);
  EXPECT_TRUE(results[0].correct);
  EXPECT_DOUBLE_EQ(results[0].flops_per_s, 2e9);

  EXPECT_TRUE(results[1].available) << "corename compares case-insensitively";
  EXPECT_EQ(results[1].corename, "zen");
  EXPECT_TRUE(results[1].correct);

  EXPECT_TRUE(results[2].available);
  EXPECT_FALSE(results[2].correct);
  EXPECT_DOUBLE_EQ(results[2].max_rel_error, 0.5);

  EXPECT_FALSE(results[3].available) << "the library fell back to another kernel";
  EXPECT_EQ(results[3].corename, "Cooperlake");

  EXPECT_NE(results[4].error.find("exited with 3: it went wrong"), std::string::npos) << results[4].error;
  EXPECT_NE(results[5].error.find("signal 11"), std::string::npos) << results[5].error;
  EXPECT_NE(results[6].error.find("not the JSON line"), std::string::npos) << results[6].error;
  for (std::size_t i = 4; i < results.size(); ++i) EXPECT_FALSE(results[i].available) << results[i].kernel;

  // The fastest is Broken, then SapphireRapids (really Cooperlake): neither counts.
  EXPECT_EQ(fastest_correct(results), std::optional<std::string>("Zen"));
}

TEST_F(BlasProbe, ChildEnvironmentIsAPlainProcess) {
  // ctest runs this binary with OMPI_ALLOW_RUN_AS_ROOT set; set one of each
  // kind here too (names the probe must drop, not OPENBLAS_CORETYPE).
  ::setenv("OMPI_COMM_WORLD_RANK", "3", 1);
  ::setenv("PMIX_RANK", "3", 1);
  ::setenv("OPENBLAS_NUM_THREADS", "8", 1);
  const std::string path = (m_dir / "env.json").string();
  // A wrapper that keeps the fake's line for inspection.
  const std::string wrapper = (m_dir / "wrapper").string();
  std::ofstream(wrapper) << "#!/bin/sh\n\"" << m_exe << "\" \"$@\" | tee \"" << path << "\"\n";
  ::chmod(wrapper.c_str(), 0755);
  const auto results = probe_blas_kernels(wrapper, {"Haswell"}, 0.25, 64);
  ::unsetenv("OMPI_COMM_WORLD_RANK");
  ::unsetenv("PMIX_RANK");
  ::unsetenv("OPENBLAS_NUM_THREADS");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].error.empty()) << results[0].error;
  std::ifstream in(path);
  const std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(line.find("\"mpi\":0"), std::string::npos) << line;
  EXPECT_NE(line.find("\"threads\":\"1\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"seconds\":\"0.25\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"size\":64"), std::string::npos) << line;
}

TEST_F(BlasProbe, MissingExecutableIsAnError) {
  const auto results = probe_blas_kernels((m_dir / "no_such_program").string(), {"Haswell"}, 0.1, 64);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].error.empty());
  EXPECT_FALSE(results[0].available);
  EXPECT_FALSE(fastest_correct(results));
  EXPECT_FALSE(fastest_correct({}));
}

TEST(FastestCorrect, TiesGoToTheEarlierKernel) {
  const auto result = [](const char* kernel, double rate) {
    BlasProbeResult r;
    r.kernel = r.corename = kernel;
    r.available = r.correct = true;
    r.flops_per_s = rate;
    return r;
  };
  // Within 5%: the first (best-ranked) one.
  EXPECT_EQ(fastest_correct({result("Cooperlake", 80e9), result("SkylakeX", 83e9), result("Prescott", 20e9)}),
            std::optional<std::string>("Cooperlake"));
  // Beyond it: the fastest.
  EXPECT_EQ(fastest_correct({result("Cooperlake", 70e9), result("SkylakeX", 83e9)}),
            std::optional<std::string>("SkylakeX"));
}

}  // namespace
}  // namespace flopwall
