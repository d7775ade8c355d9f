#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "base/file_descriptor.h"

extern char** environ;

namespace vdc {

namespace {

constexpr size_t kMostErrorBytes = 64 << 10;

// A pipe's two ends: [0] to read, [1] to write.
struct Pipe {
  FileDescriptor ends[2];
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(std::string("cannot make a pipe: ") + std::strerror(errno));
    ends[0].reset(fds[0]);
    ends[1].reset(fds[1]);
  }
  int fd(int end) const { return ends[end].get(); }
  void closeEnd(int end) { ends[end].reset(); }
};

}  // namespace

ProcessResult runProcess(const std::vector<std::string>& argv, const std::string& input) {
  Pipe in, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd(0), 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err.fd(1), 2);
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& arg : copy) args.push_back(arg.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw Error("cannot run " + argv[0] + ": " + std::strerror(spawned));
  in.closeEnd(0);
  err.closeEnd(1);

  // Feed the input and gather standard error together: either may fill its pipe first.
  ProcessResult result;
  size_t sent = 0;
  if (input.empty()) in.closeEnd(1);
  ::signal(SIGPIPE, SIG_IGN);  // a tool that stops reading early must not kill vdc
  while (err.fd(0) >= 0) {
    pollfd fds[2] = {{err.fd(0), POLLIN, 0}, {in.fd(1), POLLOUT, 0}};
    if (::poll(fds, in.fd(1) >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (in.fd(1) >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t wrote = ::write(in.fd(1), input.data() + sent, std::min<size_t>(input.size() - sent, 1 << 16));
      if (wrote > 0) sent += static_cast<size_t>(wrote);
      if (wrote < 0 || sent == input.size()) in.closeEnd(1);
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buffer[4096];
      ssize_t got = ::read(err.fd(0), buffer, sizeof buffer);
      if (got <= 0) {
        err.closeEnd(0);
      } else if (result.errors.size() < kMostErrorBytes) {
        result.errors.append(buffer, static_cast<size_t>(got));
      }
    }
  }
  in.closeEnd(1);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  result.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace vdc
