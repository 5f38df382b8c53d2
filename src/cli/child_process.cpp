#include "cli/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <utility>

extern char** environ;

namespace flopwall {
namespace {

// One end of a pipe, closed when it goes.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : m_fd(fd) {}
  Fd(Fd&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      m_fd = std::exchange(o.m_fd, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const noexcept { return m_fd; }
  void reset() noexcept {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

 private:
  int m_fd = -1;
};

struct Pipe {
  Fd read, write;
};

// Close-on-exec, so that no other child started meanwhile holds our ends.
Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {};
  return {Fd(fds[0]), Fd(fds[1])};
}

// posix_spawn's file actions and attributes, destroyed when they go.
struct SpawnActions {
  posix_spawn_file_actions_t actions;
  SpawnActions() { posix_spawn_file_actions_init(&actions); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions); }
};

std::vector<char*> c_strings(const std::vector<std::string>& words) {
  std::vector<char*> out;
  for (const std::string& w : words) out.push_back(const_cast<char*>(w.c_str()));
  out.push_back(nullptr);
  return out;
}

// Reads both pipes until the child closes them or the deadline passes.
bool drain(Fd& out_fd, Fd& err_fd, std::string& out, std::string& err, double timeout_s) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::duration<double>(timeout_s);
  char buffer[4096];
  while (out_fd.get() >= 0 || err_fd.get() >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) return false;
    pollfd fds[2] = {{out_fd.get(), POLLIN, 0}, {err_fd.get(), POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || fds[k].revents == 0) continue;
      Fd& fd = k == 0 ? out_fd : err_fd;
      const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
      if (got > 0)
        (k == 0 ? out : err).append(buffer, static_cast<std::size_t>(got));
      else if (got == 0 || errno != EINTR)
        fd.reset();  // end of file, or a read error: nothing more will come
    }
  }
  return true;
}

}  // namespace

ChildResult run_child(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                      double timeout_s) {
  ChildResult result;
  Pipe out = make_pipe(), err = make_pipe();
  if (out.read.get() < 0 || err.read.get() < 0) {
    result.spawn_error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  SpawnActions spawn;
  posix_spawn_file_actions_adddup2(&spawn.actions, out.write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&spawn.actions, err.write.get(), STDERR_FILENO);
  std::vector<char*> args = c_strings(argv), env = c_strings(environment);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv.at(0).c_str(), &spawn.actions, nullptr, args.data(), env.data());
  out.write.reset();  // the child holds its own copies; EOF comes when it exits
  err.write.reset();
  if (rc != 0) {
    result.spawn_error = argv.at(0) + ": " + std::strerror(rc);
    return result;
  }
  if (!drain(out.read, err.read, result.out, result.err, timeout_s)) {
    ::kill(pid, SIGKILL);  // our own child, by its id
    result.timed_out = true;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

std::vector<std::string> environment_without(const std::vector<std::string>& drop_prefixes) {
  std::vector<std::string> kept;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    bool drop = false;
    for (const std::string& prefix : drop_prefixes) drop = drop || entry.substr(0, prefix.size()) == prefix;
    if (!drop) kept.emplace_back(entry);
  }
  return kept;
}

}  // namespace flopwall
