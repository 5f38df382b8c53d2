#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "cli/run_config.hpp"
#include "core/error.hpp"

namespace flopwall {
namespace {

std::string usage_error(const std::vector<std::string>& args) {
  try {
    parse_run_options(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "<accepted>";
}

TEST(RunOptions, DefaultsAreTheTinyPresetInFp32) {
  const RunConfig c = parse_run_options({});
  EXPECT_EQ(c.model, "tiny");
  EXPECT_EQ(c.shape.hidden, 256);
  EXPECT_EQ(c.shape.heads, 4);
  EXPECT_EQ(c.shape.ffn, 1024);
  EXPECT_EQ(c.shape.layers, 2);
  EXPECT_EQ(c.shape.seq, 64);
  EXPECT_EQ(c.shape.batch, 2);
  EXPECT_EQ(c.dtype, DType::fp32);
  EXPECT_EQ(c.tp, 0);
  EXPECT_EQ(c.threads, 1);
  EXPECT_TRUE(c.backend.empty());
}

TEST(RunOptions, ExplicitSizesOverrideThePreset) {
  const RunConfig c =
      parse_run_options({"--model", "gpt3-1.3b", "--layers", "2", "--seq", "128", "--dtype", "fp64", "--tp", "2"});
  EXPECT_EQ(c.shape.hidden, 2048);
  EXPECT_EQ(c.shape.layers, 2);
  EXPECT_EQ(c.shape.seq, 128);
  EXPECT_EQ(c.dtype, DType::fp64);
  EXPECT_EQ(c.tp, 2);
}

TEST(RunOptions, ConfigFileIsReadAndTheCommandLineWins) {
  const std::string path = testing::TempDir() + "flopwall_run_options.ini";
  {
    std::ofstream f(path);
    f << "model = tiny\nhidden = 512\nlayers = 5\niters = 7\n";
  }
  const RunConfig c = parse_run_options({"--config", path, "--layers", "3"});
  EXPECT_EQ(c.shape.hidden, 512);
  EXPECT_EQ(c.shape.layers, 3);
  EXPECT_EQ(c.iterations, 7);
  std::remove(path.c_str());
}

TEST(RunOptions, BadInputIsOneClearLine) {
  EXPECT_NE(usage_error({"--dtype", "fp16x"}).find("--dtype 'fp16x' is not valid; valid: fp32, fp64 (cpu)"), std::string::npos);
  EXPECT_NE(usage_error({"--backend", "tpu"}).find("--backend 'tpu' is not valid"), std::string::npos);
  EXPECT_NE(usage_error({"--model", "nope"}).find("--model 'nope' is not a known preset"), std::string::npos);
  EXPECT_NE(usage_error({"--iters", "0"}).find("--iters 0 is not valid"), std::string::npos);
  EXPECT_NE(usage_error({"--warmup", "-1"}).find("--warmup -1 is not valid"), std::string::npos);
  EXPECT_NE(usage_error({"--tp", "0"}).find("--tp 0 is not valid"), std::string::npos);
  EXPECT_NE(usage_error({"--frobnicate"}).find("unrecognised option '--frobnicate'"), std::string::npos);
  EXPECT_NE(usage_error({"--hidden", "lots"}).find("--hidden"), std::string::npos);
  EXPECT_NE(usage_error({"--config", "/nonexistent/x.ini"}).find("cannot be read"), std::string::npos);
  for (const auto& msg : {usage_error({"--dtype", "fp16x"}), usage_error({"--frobnicate"})})
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

}  // namespace
}  // namespace flopwall
