// `flopwall report` as a list of sections (src/analysis/report.cpp): the step
// times worked out once, the configuration parsed once, the long CSV with
// the run's identifying columns and quoted op names, and a sweep's own table.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "analysis/long_csv.hpp"
#include "analysis/report.hpp"
#include "analysis/sections/job_section.hpp"
#include "analysis/sections/sweep_section.hpp"
#include "analysis/step_times.hpp"
#include "analysis/trace_config.hpp"
#include "tests/common/step_reference.hpp"

using namespace flopwall;

namespace {

constexpr std::int32_t k_gemm = 0, k_allreduce = 1;

// Two ranks, three iterations of a gemm then an allreduce (named so that CSV
// must quote it); rank 1 arrives at the allreduce 100 us after rank 0.
TraceData two_rank_trace(const std::string& config_json) {
  TraceData t;
  t.header.world_size = 2;
  t.header.backend = "cpu";
  t.header.config_json = config_json;
  t.ops = {{.name = "gemm", .kind = OpKind::compute, .layer = 0, .group = "none"},
           {.name = "all,reduce \"tp\"", .kind = OpKind::comm, .layer = 0, .group = "world"}};
  for (int r = 0; r < 2; ++r) {
    RankTrace rank{.rank = r, .info = {}, .events = {}};
    rank.info.hostname = "node0";
    rank.info.device = "cpu";
    for (std::int32_t i = 0; i < 3; ++i) {
      const std::int64_t base = i * 10'000'000LL, arrival = base + 1'000'000 + r * 100'000;
      rank.events.push_back({i, k_gemm, base, arrival, 1000, 0, 0});
      rank.events.push_back({i, k_allreduce, arrival, base + 1'500'000 + i * 1'000'000LL, 0, 0, 64});
    }
    t.ranks.push_back(rank);
  }
  return t;
}

// RFC 4180 fields of one CSV line (no line breaks inside fields here).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    rows.push_back(csv_fields(text.substr(start, end - start)));
  return rows;
}

std::set<std::string> keys_of(const nlohmann::json& j) {
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  return keys;
}

}  // namespace

TEST(StepTimes, FiguresOfTheSlowestRankPerIteration) {
  const TraceData t = two_rank_trace("{}");
  // The report's figures, accumulated as the trace is read.
  const StepTimes steps = step_times_from(accumulate_trace(t));
  // Both ranks end each iteration together: 1.5, 2.5, 3.5 ms.
  const std::vector<double> per_iteration_s = reference::step_seconds(t, 3);
  ASSERT_EQ(per_iteration_s.size(), 3u);
  EXPECT_NEAR(per_iteration_s[2], 3.5e-3, 1e-15);
  EXPECT_NEAR(steps.mean_s, 2.5e-3, 1e-15);
  EXPECT_NEAR(steps.p50_s, 2.5e-3, 1e-15);
  EXPECT_NEAR(steps.p90_s, 3.3e-3, 1e-15);
  EXPECT_NEAR(steps.max_s, 3.5e-3, 1e-15);
  EXPECT_NEAR(steps.total_s, 7.5e-3, 1e-15);
}

TEST(StepTimes, NoIterationsGiveNaNFiguresAndNoTotal) {
  for (const StepTimes& steps : {step_times_from(accumulate_trace(TraceData{})), reference::step_times_of({})}) {
    EXPECT_TRUE(steps.empty());
    EXPECT_TRUE(std::isnan(steps.p50_s) && std::isnan(steps.p999_s) && std::isnan(steps.mean_s));
    EXPECT_EQ(steps.total_s, 0.0);
  }
}

TEST(TraceConfig, FieldsOfTheRightTypeOnly) {
  const TraceConfig c = parse_trace_config(R"({"model":"tiny","hidden":256,"tp":"2"})");
  EXPECT_EQ(c.string_field("model"), "tiny");
  EXPECT_EQ(c.integer_field("hidden"), "256");
  EXPECT_FALSE(c.integer_field("tp"));
  EXPECT_FALSE(c.string_field("hidden"));
  EXPECT_FALSE(c.string_field("dtype"));
  EXPECT_TRUE(parse_trace_config("not json").document.is_null());
  EXPECT_FALSE(parse_trace_config("[1,2]").string_field("model"));
}

TEST(TraceConfig, TooDeepANestingIsNotParsed) {
  const std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_TRUE(parse_trace_config(deep).document.is_null());
}

TEST(LongCsv, QuotesFieldsAsRfc4180) {
  EXPECT_EQ(csv_field("gemm"), "gemm");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field(""), "");
}

TEST(LongCsv, RowsLeadWithTheRunsIdentity) {
  const TraceData t = two_rank_trace(R"({"model":"tiny"})");
  const ReportContext context = run_context(t, "runs/a,b.h5");
  LongCsv csv(context);
  csv.row("run", "all", "x", 1.5);
  csv.row("run", "all", "nan", std::nan(""));
  EXPECT_EQ(csv.text(), "file,backend,world_size,model,table,key,metric,value\n"
                        "\"runs/a,b.h5\",cpu,2,tiny,run,all,x,1.5\n"
                        "\"runs/a,b.h5\",cpu,2,tiny,run,all,nan,\n");
  // No model string in the configuration: an empty cell.
  const TraceData u = two_rank_trace(R"({"model":5})");
  LongCsv other(run_context(u, "u.h5"));
  other.row("run", "all", "x", 2);
  EXPECT_EQ(csv_rows(other.text()).at(1), (std::vector<std::string>{"u.h5", "cpu", "2", "", "run", "all", "x", "2"}));
}

TEST(ReportOfARun, CsvHasEveryTableAndEightFieldsARow) {
  const TraceData t = two_rank_trace(R"({"model":"tiny"})");
  const auto rows = csv_rows(Report::build(t, "r.h5", std::nullopt).csv());
  ASSERT_GT(rows.size(), 1u);
  std::set<std::string> tables, op_keys;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 8u) << row[0];
    tables.insert(row[4]);
    if (row[4] == "ops" || row[4] == "sync_ops") op_keys.insert(row[5]);
  }
  EXPECT_EQ(tables, (std::set<std::string>{"table", "run", "job", "placement", "ops", "ranks", "sync", "sync_ops",
                                           "sync_ranks", "roofline"}));
  EXPECT_EQ(op_keys, (std::set<std::string>{"gemm", "all,reduce \"tp\""}));
  // The sync figures match the JSON's: one definition, two renderings.
  const nlohmann::json sync = Report::build(t, "r.h5", std::nullopt).json()["sync"];
  for (const auto& row : rows)
    if (row[4] == "sync" && row[6] == "skew_max_us") EXPECT_EQ(std::stod(row[7]), sync["skew_us"]["max"].get<double>());
  EXPECT_NEAR(sync["skew_us"]["max"].get<double>(), 100.0, 1e-9);
}

TEST(ReportOfARun, JsonKeysAndSectionsInOrder) {
  const TraceData t = two_rank_trace(R"({"model":"tiny","hidden":256})");
  const Report report = Report::build(t, "r.h5", std::nullopt);
  EXPECT_EQ(keys_of(report.json()),
            (std::set<std::string>{"file", "world_size", "backend", "iterations", "truncated", "created_utc", "config",
                                   "model_flops_per_iter", "step_time_s", "tflops_per_rank", "flops_per_s_total", "ops",
                                   "ranks", "sync", "meta", "machine", "roofline", "job"}));
  EXPECT_EQ(report.json()["config"]["hidden"], 256);
  // The step times shown by the summary and by the sync section are the same figures.
  EXPECT_EQ(report.json()["step_time_s"]["p50"], report.json()["sync"]["step_time_s"]["p50"]);
  const std::string text = report.text();
  const auto at = [&](const char* s) { return text.find(s); };
  EXPECT_LT(at("flopwall report  r.h5"), at("model      tiny : hidden 256 heads 0"));
  EXPECT_LT(at("model      tiny"), at("\njob        not a SLURM job"));
  EXPECT_LT(at("\njob        not a SLURM job"), at("\nop "));
  EXPECT_LT(at("\nop "), at("per rank, mean per iteration"));
  EXPECT_LT(at("\nop "), at("\nroofline: not calibrated"));
  EXPECT_LT(at("\nroofline: not calibrated"), at("per rank, mean per iteration"));
  EXPECT_LT(at("per rank, mean per iteration"), at("synchronization"));
  EXPECT_LT(at("synchronization"), at("hardware and software"));
  EXPECT_LT(at("hardware and software"), at("\nmachine: this trace has no machine description"));
}

TEST(ReportOfARun, ConfigurationNotAnObjectHasNoModelLine) {
  for (const std::string& config : std::vector<std::string>{"", "[1]", std::string(100, '[') + std::string(100, ']')}) {
    const TraceData t = two_rank_trace(config);
    const Report report = Report::build(t, "r.h5", std::nullopt);
    EXPECT_EQ(report.text().find("\nmodel "), std::string::npos) << config;
    EXPECT_EQ(report.json()["config"].is_null(), config != "[1]") << config;
  }
}

TEST(ReportOfASweep, ItsOwnTableIsTheCsvAndItsKeysTheJson) {
  const TraceData t = two_rank_trace("{}");
  SweepResult sweep{.backend = "cpu", .transport = "mpi", .world_size = 2, .rows = {}, .fits = {}, .notes = {},
                    .stop_signal = 0};
  sweep.rows.push_back({.collective = "allreduce", .tier = "world", .size_bytes = 8, .count = 2, .dtype = "float",
                        .redop = "sum", .root = -1, .inplace = false, .available = true, .time_us = 3.0,
                        .algbw_gbs = 0.1, .busbw_gbs = 0.1, .wrong = 0, .p50_us = 3, .p99_us = 4, .max_us = 5});
  const Report report = Report::build(t, "s.h5", sweep);
  EXPECT_EQ(report.csv(), render_sweep_csv(sweep));
  nlohmann::json expected = sweep_json(sweep);
  EXPECT_EQ(keys_of(report.json()), [&] {
    auto keys = keys_of(expected);
    keys.insert("sync");
    keys.insert("machine");
    keys.insert("job");
    return keys;
  }());
  // A sweep's iterations are not steps: its sync section shows none.
  EXPECT_EQ(report.json()["sync"]["step_time_s"]["p50"], 0.0);
  EXPECT_EQ(report.text().rfind("# flopwall report s.h5: collective sweep", 0), 0u);
  EXPECT_NE(report.text().find("\nsynchronization\n"), std::string::npos);
}

TEST(ReportOfARun, OddDataStillRendersEveryFormat) {
  TraceData t = two_rank_trace(R"({"model":5,"hidden":"x","iters":[1]})");
  t.ranks[0].events.push_back({-1, 7, INT64_MIN, INT64_MAX, 1, 0, 0});
  t.ranks[1].events.push_back({INT32_MAX, -1, 5, 1, 0, 0, 0});
  t.ranks[1].info.clock_error_ns = INT64_MAX;
  const Report report = Report::build(t, "odd.h5", std::nullopt);
  EXPECT_EQ(report.json()["iterations"], 3);
  EXPECT_FALSE(report.text().empty());
  for (const auto& row : csv_rows(report.csv())) EXPECT_EQ(row.size(), 8u);
}

// The job section's figures from a rank's placement attributes.
TEST(JobSection, CpuListsAndLinkSpeeds) {
  EXPECT_EQ(flopwall::cpu_count("0-3,8"), 5);
  EXPECT_EQ(flopwall::cpu_count("7"), 1);
  EXPECT_EQ(flopwall::cpu_count(""), 0);
  EXPECT_EQ(flopwall::cpu_count("3-1"), 0);   // not a list the OS writes
  EXPECT_EQ(flopwall::cpu_count("0-x"), 0);
  EXPECT_DOUBLE_EQ(flopwall::fastest_link_mbps("eth0 25000 Mb/s,ib0 200000 Mb/s,veth1 ?"), 200000);
  EXPECT_DOUBLE_EQ(flopwall::fastest_link_mbps("ib0 ?,eth0 1000 Mb/s"), 1000);
  EXPECT_TRUE(std::isnan(flopwall::fastest_link_mbps("eth0 ?")));
  EXPECT_TRUE(std::isnan(flopwall::fastest_link_mbps("")));
}
