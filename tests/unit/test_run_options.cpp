#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/input_limits.hpp"
#include "cli/run_config.hpp"
#include "core/error.hpp"
#include "model/plan.hpp"
#include "sweep/sweep_config.hpp"
#include "trace/trace_data.hpp"
#include "trace/trace_event.hpp"

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
  EXPECT_NE(usage_error({"--dtype", "fp16x"}).find("--dtype 'fp16x' is not valid; valid: fp32, fp64, bf16 (cpu)"), std::string::npos);
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

namespace flopwall {
namespace {

std::string sweep_error(const std::vector<std::string>& args) {
  try {
    parse_sweep_options(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "<accepted>";
}

#define EXPECT_HAS(text, fragment) EXPECT_NE(std::string(text).find(fragment), std::string::npos) << (text)

TEST(RunOptionRanges, IntegersOutsideTheirRangeNameTheRange) {
  EXPECT_HAS(usage_error({"--iters", "3000000000"}), "--iters 3000000000 is not valid; give an integer in [1, 2147483647]");
  EXPECT_HAS(usage_error({"--iters", "0"}), "--iters 0 is not valid; give an integer in [1, 2147483647]");
  EXPECT_HAS(usage_error({"--warmup", "1000001"}), "--warmup 1000001 is not valid; give an integer in [0, 1000000]");
  EXPECT_HAS(usage_error({"--threads", "1025"}), "--threads 1025 is not valid; give an integer in [1, 1024]");
  EXPECT_HAS(usage_error({"--threads", "0"}), "--threads 0 is not valid");
  EXPECT_HAS(usage_error({"--resync-every=-1"}), "--resync-every -1 is not valid; give an integer in [0, 2147483647]");
  EXPECT_HAS(usage_error({"--tp", "3000000000"}), "--tp 3000000000 is not valid");
  EXPECT_HAS(usage_error({"--inject-failure=-1"}), "--inject-failure -1 is not valid");
  EXPECT_HAS(usage_error({"--layers", "2147483648"}), "--layers 2147483648 is not valid; give an integer in [1, 119304647]");
  EXPECT_HAS(usage_error({"--hidden", "99999999999999999999"}), "--hidden 99999999999999999999 is not valid");
  EXPECT_HAS(usage_error({"--seq", "12x"}), "--seq '12x' is not valid");
  EXPECT_HAS(usage_error({"--batch", ""}), "--batch '' is not valid");
  const RunConfig edge = parse_run_options({"--iters", "2147483647", "--warmup", "1000000", "--threads", "1024",
                                            "--resync-every", "0", "--layers", "119304647"});
  EXPECT_EQ(edge.iterations, 2147483647);
  EXPECT_EQ(edge.warmup, 1000000);
  EXPECT_EQ(edge.threads, 1024);
  EXPECT_EQ(edge.resync_every, 0);
  EXPECT_EQ(edge.shape.layers, 119304647);
}

TEST(RunOptionRanges, RealsMustBeFiniteAndInRange) {
  for (const char* bad : {"inf", "-inf", "nan", "0", "-1", "1e300", "1000000.5", "1e400", "soon"})
    EXPECT_HAS(usage_error({std::string("--timeout=") + bad}), "is not valid; give a finite number of seconds in (0, 1000000]");
  EXPECT_HAS(usage_error({"--timeout", "inf"}), "--timeout inf is not valid");
  EXPECT_HAS(usage_error({"--timeout", "soon"}), "--timeout 'soon' is not valid");
  EXPECT_DOUBLE_EQ(parse_run_options({"--timeout", "1000000"}).timeout_s, 1e6);
  EXPECT_DOUBLE_EQ(parse_run_options({"--timeout", "0.5"}).timeout_s, 0.5);
  for (const char* bad : {"inf", "nan", "-5", "10000001"})
    EXPECT_HAS(usage_error({std::string("--inject-jitter=") + bad}),
               "is not valid; give a finite mean in microseconds in [0, 10000000]");
  EXPECT_DOUBLE_EQ(parse_run_options({"--inject-jitter", "10000000"}).injection.jitter_mean_us, 1e7);
  EXPECT_DOUBLE_EQ(parse_run_options({"--inject-jitter", "0"}).injection.jitter_mean_us, 0);
}

TEST(RunOptionRanges, InjectDelayIsParsedStrictly) {
  for (const char* bad : {"0:1e300", "0:inf", "0:nan", "0:-1", "0:10000001", "0:5:0", "0:5:-2", "0:5:x", "0:5:",
                          "-1:5", "1", "1:", ":5", "1:5:3:4", "1:5x", "a:5", "0:5:3000000000"})
    EXPECT_HAS(usage_error({"--inject-delay", bad}), std::string("--inject-delay '") + bad + "' is not valid");
  const RunConfig c = parse_run_options({"--inject-delay", "1:500.5:10"});
  EXPECT_EQ(c.injection.delay_rank, 1);
  EXPECT_DOUBLE_EQ(c.injection.delay_us, 500.5);
  EXPECT_EQ(c.injection.delay_every, 10);
  const RunConfig every_one = parse_run_options({"--inject-delay", "0:10000000"});
  EXPECT_EQ(every_one.injection.delay_every, 1);
  EXPECT_DOUBLE_EQ(every_one.injection.delay_us, 1e7);
}

TEST(RunOptionWords, PositionalWordsAreRefused) {
  EXPECT_HAS(usage_error({"foo"}), "unexpected argument 'foo'; flopwall run takes options only");
  EXPECT_HAS(usage_error({"--iters", "2", "bar"}), "unexpected argument 'bar'");
  EXPECT_HAS(usage_error({"--", "--iters"}), "unexpected argument '--iters'");
  EXPECT_HAS(sweep_error({"bar"}), "unexpected argument 'bar'; flopwall collectives takes options only");
}

TEST(RunOptionWords, InjectFailureIsAcceptedButHiddenAndOverwriteIsShown) {
  EXPECT_EQ(parse_run_options({"--inject-failure", "1"}).inject_failure_rank, 1);
  const RunConfig help = parse_run_options({"--help"});
  EXPECT_EQ(help.help_text.find("inject-failure"), std::string::npos) << help.help_text;
  EXPECT_HAS(help.help_text, "--overwrite");
  EXPECT_HAS(help.help_text, "--inject-jitter");
}

TEST(RunOptionWords, OverwriteIsASwitchRecordedInTheConfigJson) {
  EXPECT_FALSE(parse_run_options({}).overwrite);
  const RunConfig c = parse_run_options({"--overwrite"});
  EXPECT_TRUE(c.overwrite);
  const auto j = nlohmann::json::parse(run_config_json(c, {.world_size = 2, .tp = 2}));
  EXPECT_EQ(j.at("overwrite"), true);
  EXPECT_EQ(nlohmann::json::parse(run_config_json(parse_run_options({}), {.world_size = 1, .tp = 1})).at("overwrite"),
            false);

  const std::string path = testing::TempDir() + "flopwall_overwrite.ini";
  {
    std::ofstream f(path);
    f << "overwrite = true\n";
  }
  EXPECT_TRUE(parse_run_options({"--config", path}).overwrite);
  std::remove(path.c_str());

  EXPECT_FALSE(parse_sweep_options({}).overwrite);
  const SweepConfig s = parse_sweep_options({"--overwrite"});
  EXPECT_TRUE(s.overwrite);
  EXPECT_EQ(nlohmann::json::parse(sweep_config_json(s, 2)).at("overwrite"), true);
}

TEST(RunConfigFile, MustBeABoundedRegularFile) {
  const std::string dir = testing::TempDir();
  EXPECT_HAS(usage_error({"--config", dir}), "is a directory; give a readable INI file");
  EXPECT_HAS(usage_error({"--config", "/dev/zero"}), "--config '/dev/zero' is not a regular file");
  const std::string fifo = dir + "flopwall_config.fifo";
  std::remove(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_HAS(usage_error({"--config", fifo}), "is not a regular file");  // and returns: nothing opened the FIFO
  std::remove(fifo.c_str());

  const std::string big = dir + "flopwall_big.ini";
  {
    std::ofstream f(big);
    f << "iters = 3\n" << std::string(limits::k_max_config_bytes, '#') << '\n';
  }
  EXPECT_HAS(usage_error({"--config", big}), "give an INI file of at most 1048576 bytes");
  {
    std::ofstream f(big);
    f << "iters = 3\n# " << std::string(limits::k_max_config_bytes - 13, '#') << '\n';  // exactly the limit
  }
  EXPECT_EQ(parse_run_options({"--config", big}).iterations, 3);
  {
    std::ofstream f(big);
    f << "timeout = inf\n";
  }
  EXPECT_HAS(usage_error({"--config", big}), "--timeout inf is not valid");
  std::remove(big.c_str());
}

TEST(SweepOptionRanges, FloatsSizesAndCountsAreBounded) {
  EXPECT_HAS(sweep_error({"-f", "inf"}), "--stepfactor inf is not valid; give a finite factor in [2, 1000000]");
  EXPECT_HAS(sweep_error({"-f", "nan"}), "--stepfactor nan is not valid");
  EXPECT_HAS(sweep_error({"-f", "1e308"}), "--stepfactor 1e308 is not valid");
  EXPECT_HAS(sweep_error({"-f", "1.5"}), "--stepfactor 1.5 is not valid without --stepbytes; give a factor >= 2 or -i BYTES");
  EXPECT_HAS(sweep_error({"-f", "inf", "-i", "1M"}), "--stepfactor inf is not valid; give a finite factor in (0, 1000000]");
  EXPECT_DOUBLE_EQ(parse_sweep_options({"-f", "1", "-i", "1M"}).step_factor, 1);  // unused with -i, as in nccl-tests
  EXPECT_DOUBLE_EQ(parse_sweep_options({"-f", "1000000"}).step_factor, 1e6);
  EXPECT_HAS(sweep_error({"-i", "1"}), "--stepbytes 1 from --minbytes 8 to --maxbytes 33554432 gives 33554425 sizes; "
                                       "at most 100000 are valid");
  EXPECT_EQ(parse_sweep_options({"-b", "1", "-e", "100000", "-i", "1"}).step_bytes, 1);  // exactly the limit
  EXPECT_HAS(sweep_error({"-b", "0", "-e", "100000", "-i", "1"}), "gives 100001 sizes");
  EXPECT_HAS(sweep_error({"-e", "18014398509481985K"}), "--maxbytes '18014398509481985K' is too large");
  EXPECT_HAS(sweep_error({"-b", "99999999999999999999"}), "--minbytes '99999999999999999999' is too large");
  EXPECT_HAS(sweep_error({"-n", "3000000000"}), "--iters 3000000000 is not valid; give an integer in [1, 2147483647]");
  EXPECT_HAS(sweep_error({"-n", "0"}), "--iters 0 is not valid");
  EXPECT_HAS(sweep_error({"-w", "1000001"}), "--warmup_iters 1000001 is not valid; give an integer in [0, 1000000]");
  EXPECT_HAS(sweep_error({"--timeout", "inf"}), "--timeout inf is not valid; give a finite number of seconds in (0, 1000000]");
  EXPECT_HAS(sweep_error({"--timeout", "0"}), "--timeout 0 is not valid");
  EXPECT_HAS(sweep_error({"--out", ""}), "--out '' is not valid");
  const SweepConfig c = parse_sweep_options({"-n", "7", "-w", "0", "--timeout", "2.5"});
  EXPECT_EQ(c.iters, 7);
  EXPECT_EQ(c.warmup, 0);
  EXPECT_DOUBLE_EQ(c.timeout_s, 2.5);
}

// ---- footprints -----------------------------------------------------------

RunConfig tiny_run(int iterations, const std::string& backend = "cpu") {
  RunConfig c = parse_run_options({"--iters", std::to_string(iterations)});
  c.backend = backend;
  return c;
}

TEST(RunFootprint, CoversTheBuffersAndEventsAndGrowsWithIterations) {
  const ParallelLayout layout{.world_size = 2, .tp = 2};
  const Plan plan = build_transformer_plan(model_preset("tiny"), layout, 0, DType::fp32);
  const std::uint64_t events = 1000ULL * plan.ops.size() * sizeof(TraceEvent);
  const Footprint f = run_footprint(tiny_run(1000), layout);
  EXPECT_GE(f.bytes_per_rank, plan.buffer_bytes() + events);
  EXPECT_LE(f.bytes_per_rank, plan.buffer_bytes() + events + (1u << 20)) << "a close bound, not a blanket one";
  // Each further iteration: one event per op, and a clock sample every 100.
  const std::uint64_t more = run_bytes_per_rank(tiny_run(2000), layout);
  EXPECT_EQ(more - f.bytes_per_rank, 1000ULL * plan.ops.size() * sizeof(TraceEvent) + 10 * sizeof(ClockSample));
  // On cuda the buffers are GPU memory: only a host staging copy remains.
  EXPECT_LT(run_bytes_per_rank(tiny_run(1000, "cuda"), layout), f.bytes_per_rank);
}

TEST(RunFootprint, NamesWhatDrivesIt) {
  const ParallelLayout layout{.world_size = 2, .tp = 2};
  const Footprint iters = run_footprint(tiny_run(2'000'000'000), layout);
  EXPECT_GT(iters.bytes_per_rank, 2'000'000'000ULL * 28 * sizeof(TraceEvent) - 1);
  EXPECT_HAS(iters.what, "--iters 2000000000 with 28 ops per iteration");
  EXPECT_HAS(iters.advice, "lower --iters");

  RunConfig deep = tiny_run(20);
  deep.shape.layers = 100'000'000;  // sized without building 1.4 billion ops
  const Footprint layers = run_footprint(deep, layout);
  EXPECT_GT(layers.bytes_per_rank, 100'000'000ULL * 14 * sizeof(Op));
  EXPECT_HAS(layers.what, "--layers 100000000");

  RunConfig jittered = tiny_run(20);
  jittered.injection.jitter_mean_us = 5;
  EXPECT_GT(run_bytes_per_rank(jittered, layout), run_bytes_per_rank(tiny_run(20), layout));
}

std::string usage_error_of_footprint(const RunConfig& c, const ParallelLayout& layout) {
  try {
    run_footprint(c, layout);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "<accepted>";
}

TEST(RunFootprint, RefusesOverflowAndAbsurdTotals) {
  const ParallelLayout layout{.world_size = 2, .tp = 2};
  RunConfig c = tiny_run(20);
  c.shape.hidden = std::int64_t{1} << 62;
  EXPECT_HAS(usage_error_of_footprint(c, layout), "--hidden 4611686018427387904");
  c = tiny_run(20);
  c.shape.seq = 1 << 24;  // 2·2·2^48 = 2^50 score elements: 4 PiB
  EXPECT_HAS(usage_error_of_footprint(c, layout), "more than the 1.00 PiB any rank may hold");
}

TEST(RunIntCounts, CpuCollectivesAndBlasTakeIntCounts) {
  auto refused = [](RunConfig c, ParallelLayout l) {
    try {
      check_run_int_counts(c, l);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("<accepted>");
  };
  RunConfig c = tiny_run(20);
  c.shape.batch = 1'000'000;  // 64 M tokens x 256 = 16 G elements per allreduce
  EXPECT_HAS(refused(c, {.world_size = 2, .tp = 2}), "the tensor-parallel allreduce has 16384000000 elements");
  EXPECT_EQ(refused(c, {.world_size = 1, .tp = 1}), "<accepted>");  // no allreduce without TP
  c.backend = "cuda";
  EXPECT_EQ(refused(c, {.world_size = 2, .tp = 2}), "<accepted>");
  c = tiny_run(20);
  c.shape.batch = 1LL << 31;
  c.shape.seq = 1;
  EXPECT_HAS(refused(c, {.world_size = 1, .tp = 1}), "tokens per replica (--batch x --seq) is 2147483648");
}

SweepConfig sweep(const std::vector<std::string>& args, const std::string& backend = "cpu") {
  SweepConfig c = parse_sweep_options(args);
  c.backend = backend;
  return c;
}

TEST(SweepFootprint, CoversBuffersTimingsAndRows) {
  const Footprint base = sweep_footprint(sweep({}), 2);
  // The two 32 MiB engine buffers and the check's doubles at the least.
  EXPECT_GE(base.bytes_per_rank, 2ULL * (32 << 20) + 4ULL * 8 * (8 << 20));
  EXPECT_HAS(base.what, "--maxbytes 33554432");
  EXPECT_LT(sweep_bytes_per_rank(sweep({}, "cuda"), 2), base.bytes_per_rank);
  EXPECT_LT(sweep_bytes_per_rank(sweep({"-c", "0"}), 2), base.bytes_per_rank);
  EXPECT_GT(sweep_bytes_per_rank(sweep({"--tier", "all"}), 2), base.bytes_per_rank);
  // 23 sizes x 2 forms: one kept event per iteration each, in a vector that may double.
  const std::uint64_t more = sweep_bytes_per_rank(sweep({"-n", "120"}), 2);
  EXPECT_GE(more - base.bytes_per_rank, 100ULL * 23 * 2 * sizeof(TraceEvent));
  const Footprint iters = sweep_footprint(sweep({"-n", "2000000000"}), 2);
  EXPECT_GT(iters.bytes_per_rank, 2'000'000'000ULL * 46 * sizeof(TraceEvent));
  EXPECT_HAS(iters.what, "--iters 2000000000 over 23 sizes");
  const Footprint rows = sweep_footprint(sweep({"-b", "1", "-e", "100000", "-i", "1", "-n", "1", "--collective", "all"}), 2);
  EXPECT_HAS(rows.what, "(100000 sizes)");
}

TEST(SweepFootprint, RefusesOverflow) {
  SweepConfig c = sweep({});
  c.max_bytes = std::int64_t{1} << 62;
  try {
    sweep_footprint(c, 2);
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_HAS(e.what(), "--maxbytes 4611686018427387904");
  }
}

}  // namespace
}  // namespace flopwall
