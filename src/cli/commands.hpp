#pragma once
// The subcommands; each returns the process exit code. `args` excludes the
// program name and the subcommand itself.
#include <string>
#include <vector>

namespace flopwall {

int run_command(int argc, char** argv, const std::vector<std::string>& args);
int sweep_command(int argc, char** argv, const std::vector<std::string>& args);
int collectives_command(int argc, char** argv, const std::vector<std::string>& args);
int compare_command(int argc, char** argv, const std::vector<std::string>& args);
int report_command(int argc, char** argv, const std::vector<std::string>& args);
int export_command(int argc, char** argv, const std::vector<std::string>& args);
int doctor_command(int argc, char** argv, const std::vector<std::string>& args);
int calibrate_command(int argc, char** argv, const std::vector<std::string>& args);
int version_command();

}  // namespace flopwall
