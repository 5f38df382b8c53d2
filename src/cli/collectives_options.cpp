// `flopwall collectives` options, spelled as nccl-tests spells them.
#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <climits>
#include <limits>
#include <optional>
#include <sstream>

#include "cli/input_limits.hpp"
#include "cli/option_values.hpp"
#include "core/checked_math.hpp"
#include "core/error.hpp"
#include "sweep/size_steps.hpp"
#include "sweep/sweep_config.hpp"

namespace flopwall {
namespace po = boost::program_options;

std::int64_t parse_size(const std::string& text, const char* flag) {
  const auto bad = [&] {
    return UsageError(fmt::format("{} '{}' is not valid; give bytes as an integer with an optional K, M or G suffix", flag,
                                  text));
  };
  // Digits only (no sign, space or base prefix), then at most one suffix.
  const std::size_t digits = text.find_first_not_of("0123456789");
  if (digits == 0 || text.empty()) throw bad();
  std::int64_t scale = 1;
  if (digits != std::string::npos) {
    if (digits + 1 != text.size()) throw bad();
    switch (std::toupper(static_cast<unsigned char>(text[digits]))) {
      case 'K': scale = 1ll << 10; break;
      case 'M': scale = 1ll << 20; break;
      case 'G': scale = 1ll << 30; break;
      default: throw bad();
    }
  }
  const std::string_view number = std::string_view(text).substr(0, digits);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  // Too many digits, or a suffix that multiplies past int64: refused, not wrapped.
  const std::optional<std::int64_t> bytes = ec == std::errc() ? checked_mul(value, scale) : std::nullopt;
  if (!bytes)
    throw UsageError(fmt::format("{} '{}' is too large; give at most {} bytes (2^63 - 1)", flag, text,
                                 std::numeric_limits<std::int64_t>::max()));
  return *bytes;
}

SweepConfig parse_sweep_options(const std::vector<std::string>& args) {
  po::options_description opts("Usage: flopwall collectives [options]  (nccl-tests' flags)\n\nOptions");
  opts.add_options()
      ("help,h", "show this help")
      ("collective", po::value<std::string>()->default_value("allreduce"),
       "allreduce | allgather | reducescatter | alltoall | broadcast | reduce | sendrecv | all")
      ("minbytes,b", po::value<std::string>()->default_value("8"), "smallest size (K, M, G suffixes)")
      ("maxbytes,e", po::value<std::string>()->default_value("32M"), "largest size")
      ("stepfactor,f", po::value<std::string>(), "multiply the size by this each step (default 2)")
      ("stepbytes,i", po::value<std::string>(), "add this many bytes each step instead")
      ("iters,n", po::value<std::string>()->default_value("20"), "timed iterations per size")
      ("warmup_iters,w", po::value<std::string>()->default_value("5"), "untimed iterations per size")
      ("check,c", po::value<int>()->default_value(1), "check results: 1 yes, 0 no")
      ("op,o", po::value<std::string>()->default_value("sum"), "sum | prod | min | max | avg (avg: nccl only)")
      ("datatype,d", po::value<std::string>()->default_value("float"),
       "int8 uint8 int32 uint32 int64 uint64 half float double bfloat16 (half, bfloat16: nccl only)")
      ("root,r", po::value<int>()->default_value(0), "root rank of broadcast and reduce")
      ("average,a", po::value<int>()->default_value(3),
       "ranks' times combined: 0 rank 0, 1 mean, 2 min, 3 max (slowest rank; the default)")
      ("inplace", po::value<std::string>()->default_value("both"), "both | yes | no")
      ("tier", po::value<std::string>()->default_value("world"), "world | intra | inter | all")
      ("backend", po::value<std::string>(), "cpu | cuda (default as for run)")
      ("topology", po::value<std::string>(), "a preset of NCCL or MPI variables, as for run (docs/topologies.md)")
      ("format", po::value<std::string>()->default_value("text"), "text | json | csv")
      ("out", po::value<std::string>(), "also write an HDF5 trace with a /collectives table")
      ("overwrite", po::bool_switch(), "replace an existing --out file")
      ("timeout", po::value<std::string>()->default_value("300"),
       "seconds one size (all its iterations), a clock synchronisation or the trace write may take before the job "
       "ends, naming the rank it waits for; cuda also bounds every wait");
  SweepConfig c;
  po::variables_map vm;
  try {
    const po::parsed_options parsed = po::command_line_parser(args).options(opts).run();
    for (const po::option& o : parsed.options)
      if (o.position_key >= 0) refuse_positional("collectives", o.value.empty() ? o.string_key : o.value.front());
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("flopwall collectives: {}; see 'flopwall collectives --help'", e.what()));
  }
  if (vm.count("help")) {
    std::ostringstream text;
    text << opts;
    c.help = true;
    c.help_text = text.str();
    return c;
  }

  const std::string coll = vm["collective"].as<std::string>();
  c.collectives = coll == "all" ? all_collectives() : std::vector<Collective>{parse_collective(coll)};
  c.min_bytes = parse_size(vm["minbytes"].as<std::string>(), "--minbytes");
  c.max_bytes = parse_size(vm["maxbytes"].as<std::string>(), "--maxbytes");
  if (c.min_bytes > c.max_bytes)
    throw UsageError(fmt::format("--minbytes {} is above --maxbytes {}; give a range with min <= max", c.min_bytes,
                                 c.max_bytes));
  if (vm.count("stepbytes")) {
    c.step_bytes = parse_size(vm["stepbytes"].as<std::string>(), "--stepbytes");
    if (c.step_bytes <= 0) throw UsageError("--stepbytes 0 is not valid; it must be a positive size");
  }
  if (vm.count("stepfactor")) {
    // Finite and bounded: inf or NaN used to step by one byte (millions of sizes).
    const std::string text = vm["stepfactor"].as<std::string>();
    const std::optional<double> factor = parse_number(text);
    if (c.step_bytes == 0 && factor && *factor < 2)
      throw UsageError(fmt::format("--stepfactor {} is not valid without --stepbytes; give a factor >= 2 or -i BYTES",
                                   text));
    // With -i the factor is unused (nccl-tests accepts -f 1 there), but still a number.
    c.step_factor = c.step_bytes > 0
                        ? parse_real_option(text, "--stepfactor", 0, true, limits::k_max_stepfactor, "a finite factor")
                        : parse_real_option(text, "--stepfactor", 2, false, limits::k_max_stepfactor, "a finite factor");
  }
  // Only additive steps can give this many: a factor >= 2 doubles at least.
  if (c.step_bytes > 0 && size_step_count(c.min_bytes, c.max_bytes, c.step_factor, c.step_bytes) > k_max_sweep_sizes)
    throw UsageError(fmt::format("--stepbytes {} from --minbytes {} to --maxbytes {} gives {} sizes; at most {} are "
                                 "valid: raise --stepbytes (-i) or narrow --minbytes..--maxbytes (-b, -e)",
                                 c.step_bytes, c.min_bytes, c.max_bytes,
                                 (c.max_bytes - c.min_bytes) / c.step_bytes + 1, k_max_sweep_sizes));
  c.iters = static_cast<int>(parse_integer_option(vm["iters"].as<std::string>(), "--iters", 1, limits::k_max_iters));
  c.warmup = static_cast<int>(
      parse_integer_option(vm["warmup_iters"].as<std::string>(), "--warmup_iters", 0, limits::k_max_warmup));
  const int check = vm["check"].as<int>();
  if (check != 0 && check != 1) throw UsageError(fmt::format("--check {} is not valid; valid: 0, 1", check));
  c.check = check == 1;
  c.op = parse_reduce_op(vm["op"].as<std::string>());
  c.type = parse_element_type(vm["datatype"].as<std::string>());
  c.root = vm["root"].as<int>();
  const int average = vm["average"].as<int>();
  if (average < 0 || average > 3)
    throw UsageError(fmt::format("--average {} is not valid; valid: 0 (rank 0), 1 (mean), 2 (min), 3 (max)", average));
  c.combine = static_cast<RankCombine>(average);
  const std::string inplace = vm["inplace"].as<std::string>();
  if (inplace == "both") c.in_place = InPlaceMode::both;
  else if (inplace == "yes") c.in_place = InPlaceMode::yes;
  else if (inplace == "no") c.in_place = InPlaceMode::no;
  else throw UsageError(fmt::format("--inplace '{}' is not valid; valid: both, yes, no", inplace));
  const std::string tier = vm["tier"].as<std::string>();
  if (tier == "world") c.tiers = {Tier::world};
  else if (tier == "intra") c.tiers = {Tier::intra};
  else if (tier == "inter") c.tiers = {Tier::inter};
  else if (tier == "all") c.tiers = {Tier::world, Tier::intra, Tier::inter};
  else throw UsageError(fmt::format("--tier '{}' is not valid; valid: world, intra, inter, all", tier));
  if (vm.count("backend")) c.backend = vm["backend"].as<std::string>();
  if (vm.count("topology")) c.topology = vm["topology"].as<std::string>();
  c.format = output_format(vm);
  if (vm.count("out")) {
    c.out = vm["out"].as<std::string>();
    if (c.out.empty()) throw UsageError("--out '' is not valid; give a file path such as results/sweep.h5");
  }
  c.overwrite = vm["overwrite"].as<bool>();
  c.timeout_s = parse_real_option(vm["timeout"].as<std::string>(), "--timeout", 0, true, limits::k_max_timeout_s,
                                  "a finite number of seconds");
  return c;
}

std::string sweep_config_json(const SweepConfig& c, int world_size) {
  nlohmann::json colls = nlohmann::json::array();
  for (Collective k : c.collectives) colls.push_back(std::string(descriptor(k).name));
  nlohmann::json tiers = nlohmann::json::array();
  for (Tier t : c.tiers) tiers.push_back(std::string(tier_name(t)));
  nlohmann::json j{{"mode", "collectives"}, {"backend", c.backend}, {"collectives", colls},
                        {"minbytes", c.min_bytes}, {"maxbytes", c.max_bytes}, {"stepfactor", c.step_factor},
                        {"stepbytes", c.step_bytes}, {"iters", c.iters}, {"warmup_iters", c.warmup},
                        {"check", c.check}, {"op", std::string(reduce_op_name(c.op))},
                        {"datatype", std::string(element_type_name(c.type))}, {"root", c.root},
                        {"average", static_cast<int>(c.combine)}, {"tiers", tiers}, {"world_size", world_size},
                        {"inplace", c.in_place == InPlaceMode::both ? "both" : c.in_place == InPlaceMode::yes ? "yes" : "no"},
                        {"format", c.format}, {"timeout_s", c.timeout_s}, {"out", c.out}, {"overwrite", c.overwrite}};
  if (!c.topology.empty()) j["topology"] = c.topology;
  return j.dump();
}

}  // namespace flopwall
