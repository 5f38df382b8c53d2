#pragma once
// A command line's values, checked whole: numbers in their documented
// range, and no stray words. Every subcommand parses with these, so a bad
// value reads the same everywhere: one line naming the flag, the value and
// what is valid.
#include <boost/program_options.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flopwall {

// The whole of `text` as a number (inf and nan included), or nothing when it
// is not one or lies beyond double's range.
std::optional<double> parse_number(const std::string& text);

// The whole of `text` as an integer in [lo, hi], or UsageError:
// "--warmup 2000000 is not valid; give an integer in [0, 1000000]".
std::int64_t parse_integer_option(const std::string& text, std::string_view flag, std::int64_t lo, std::int64_t hi);

// The whole of `text` as a finite number in (lo, hi] (lo_open) or [lo, hi],
// or UsageError: "--timeout inf is not valid; give a finite number of seconds
// in (0, 1000000]", `what` being "a finite number of seconds".
double parse_real_option(const std::string& text, std::string_view flag, double lo, bool lo_open, double hi,
                         std::string_view what);

// A subcommand's words by its options and positional names; a parse error
// is the UsageError "flopwall COMMAND: what; see 'flopwall COMMAND --help'".
boost::program_options::variables_map parse_command_line(
    const std::vector<std::string>& args, const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional, std::string_view command);
// A report's --format: text, json or csv, or one of `more` (report: html);
// else UsageError.
std::string output_format(const boost::program_options::variables_map& vm,
                          std::initializer_list<std::string_view> more = {});

// A word on the command line that is no option's value (`flopwall run foo`).
[[noreturn]] void refuse_positional(std::string_view command, const std::string& word);

}  // namespace flopwall
