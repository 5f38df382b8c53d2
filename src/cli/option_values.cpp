#include "cli/option_values.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "core/error.hpp"

namespace flopwall {
namespace {

// What from_chars made of the whole text: a value, a number out of the
// type's range, or not a number at all.
enum class Parsed { value, out_of_range, not_a_number };

template <class T>
Parsed parse_whole(const std::string& text, T& out) {
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, out);
  if (ec == std::errc::result_out_of_range && stop == end) return Parsed::out_of_range;
  if (ec != std::errc() || stop != end || text.empty()) return Parsed::not_a_number;
  return Parsed::value;
}

// Numbers are named bare, anything else quoted: "--iters 0", "--iters 'x'".
std::string shown(const std::string& text, Parsed how) {
  return how == Parsed::not_a_number ? fmt::format("'{}'", text) : text;
}

}  // namespace

boost::program_options::variables_map parse_command_line(
    const std::vector<std::string>& args, const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional, std::string_view command) {
  namespace po = boost::program_options;
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("flopwall {}: {}; see 'flopwall {} --help'", command, e.what(), command));
  }
  return vm;
}

std::string output_format(const boost::program_options::variables_map& vm,
                          std::initializer_list<std::string_view> more) {
  const std::string format = vm["format"].as<std::string>();
  std::string valid = "text, json, csv";
  bool known = format == "text" || format == "json" || format == "csv";
  for (const std::string_view m : more) {
    valid += fmt::format(", {}", m);
    known = known || format == m;
  }
  if (!known) throw UsageError(fmt::format("--format '{}' is not valid; valid: {}", format, valid));
  return format;
}

std::optional<double> parse_number(const std::string& text) {
  double value = 0;
  if (parse_whole(text, value) != Parsed::value) return std::nullopt;
  return value;
}

std::int64_t parse_integer_option(const std::string& text, std::string_view flag, std::int64_t lo, std::int64_t hi) {
  std::int64_t value = 0;
  const Parsed how = parse_whole(text, value);
  if (how != Parsed::value || value < lo || value > hi)
    throw UsageError(fmt::format("{} {} is not valid; give an integer in [{}, {}]", flag, shown(text, how), lo, hi));
  return value;
}

double parse_real_option(const std::string& text, std::string_view flag, double lo, bool lo_open, double hi,
                         std::string_view what) {
  double value = 0;
  const Parsed how = parse_whole(text, value);
  // Written so that NaN fails every comparison and is refused.
  const bool above_lo = lo_open ? value > lo : value >= lo;
  if (how != Parsed::value || !std::isfinite(value) || !above_lo || !(value <= hi))
    throw UsageError(fmt::format("{} {} is not valid; give {} in {}{}, {}]", flag, shown(text, how), what,
                                 lo_open ? "(" : "[", lo, hi));
  return value;
}

void refuse_positional(std::string_view command, const std::string& word) {
  throw UsageError(fmt::format("unexpected argument '{}'; flopwall {} takes options only (see 'flopwall {} --help')",
                               word, command, command));
}

}  // namespace flopwall
