#include "core/error.hpp"

#include <fmt/format.h>

namespace flopwall {
namespace {
int g_process_rank = -1;
}

int process_rank() noexcept { return g_process_rank; }
void set_process_rank(int rank) noexcept { g_process_rank = rank; }

std::string failure_message(const char* file, int line, const char* call, const std::string& detail) {
  return fmt::format("{}:{}: rank {}: {} failed: {}", file, line, g_process_rank, call, detail);
}

}  // namespace flopwall
