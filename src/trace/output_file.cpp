#include "trace/output_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace flopwall {
namespace {

namespace fs = std::filesystem;

std::string system_reason(int error) { return std::strerror(error); }

// renameat2(RENAME_NOREPLACE) through syscall(): glibc 2.36 declares it, but
// older C libraries do not, and the kernel call is the same.
int rename_noreplace(const char* from, const char* to) {
#ifdef SYS_renameat2
  constexpr unsigned k_noreplace = 1;  // RENAME_NOREPLACE
  return static_cast<int>(syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, k_noreplace));
#else
  errno = ENOSYS;
  return -1;
#endif
}

}  // namespace

std::string slurm_job_tag() {
  const char* array_job = std::getenv("SLURM_ARRAY_JOB_ID");
  const char* task = std::getenv("SLURM_ARRAY_TASK_ID");
  if (array_job && task) return fmt::format("j{}_{}", array_job, task);
  if (const char* job = std::getenv("SLURM_JOB_ID")) return fmt::format("j{}", job);
  return {};
}

std::string random_hex(int digits) {
  std::random_device device;  // /dev/urandom on Linux
  std::string out;
  while (static_cast<int>(out.size()) < digits) out += fmt::format("{:08x}", device());
  return out.substr(0, static_cast<std::size_t>(digits));
}

std::string create_exclusive_temp(const std::string& final_path) {
  const fs::path target(final_path);
  const std::string base = target.filename().string().substr(0, 100);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  // Names the job, so a leftover can be traced to it.
  std::string job = slurm_job_tag();
  if (job.empty()) job = fmt::format("p{}", static_cast<long>(getpid()));
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::string temp = (dir / fmt::format("{}.{}.{}.tmp", base, job, random_hex(8))).string();
    const int fd = open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) {
      close(fd);
      return temp;
    }
    if (errno != EEXIST) throw std::runtime_error(system_reason(errno));
  }
  throw std::runtime_error("no unused temporary name after 8 attempts");
}

void publish_file(const std::string& temp, const std::string& final_path, bool overwrite) {
  if (overwrite) {
    // Replace a regular file only: never a device node, a FIFO or a directory.
    struct stat st{};
    if (lstat(final_path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      throw std::runtime_error("it is no longer a regular file; nothing was replaced");
    if (std::rename(temp.c_str(), final_path.c_str()) != 0) throw std::runtime_error(system_reason(errno));
    return;
  }
  if (link(temp.c_str(), final_path.c_str()) == 0) {
    unlink(temp.c_str());
    return;
  }
  int error = errno;
  // Some file systems have no hard links; the kernel's no-replace rename is
  // just as atomic where the file system supports it.
  if (error == EPERM || error == ENOTSUP || error == EOPNOTSUPP || error == ENOSYS || error == EMLINK) {
    if (rename_noreplace(temp.c_str(), final_path.c_str()) == 0) return;
    error = errno;
  }
  if (error == EEXIST)
    throw std::runtime_error("another file took this name while the job ran; give --overwrite to replace it, "
                             "or another --out");
  throw std::runtime_error(system_reason(error));
}

}  // namespace flopwall
