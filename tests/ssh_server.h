// A real OpenSSH server for tests: sshd on a free port of 127.0.0.1 with a
// host key and one authorized client key of its own, made in `dir`,
// stopped when this goes out of scope. Needs root (sshd's privilege
// separation) and Debian's openssh-server.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "engine/test_support.h"

namespace vdc::testing {

class SshServer {
 public:
  explicit SshServer(const std::filesystem::path& dir) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    run("ssh-keygen -q -t ed25519 -N '' -f '" + hostKey() + "'");
    run("ssh-keygen -q -t ed25519 -N '' -f '" + clientKey() + "'");
    std::filesystem::copy_file(clientKey() + ".pub", dir_ / "authorized_keys");
    std::filesystem::create_directories("/run/sshd");
    // The free port may be taken again before sshd binds it: then another.
    for (int attempt = 0; attempt < 5 && pid_ <= 0; ++attempt) start(freePort());
    if (pid_ <= 0) throw std::runtime_error("sshd did not start: " + readFile(dir_ / "sshd.log"));
  }
  ~SshServer() {
    if (pid_ > 0) kill(pid_, SIGTERM);
  }
  SshServer(const SshServer&) = delete;
  SshServer& operator=(const SshServer&) = delete;

  int port() const { return port_; }
  std::string clientKey() const { return (dir_ / "client").string(); }
  // The host key's fingerprint, as `ssh-keygen -lf` prints it (SHA256:...).
  std::string fingerprint() const {
    std::string line = run("ssh-keygen -lf '" + hostKey() + ".pub'");
    size_t at = line.find("SHA256:");
    return line.substr(at, line.find(' ', at) - at);
  }
  // A known_hosts line for this server.
  std::string knownHostsLine() const {
    std::string key = readFile(hostKey() + ".pub");
    key = key.substr(0, key.rfind(' '));
    return "[127.0.0.1]:" + std::to_string(port_) + " " + key + "\n";
  }

 private:
  std::string hostKey() const { return (dir_ / "host").string(); }

  // Starts sshd on `port`; pid_ is set once it listens, left 0 if it could not bind.
  void start(int port) {
    port_ = port;
    std::filesystem::remove(dir_ / "sshd.log");
    writeFile(dir_ / "sshd_config", "Port " + std::to_string(port_) + "\nListenAddress 127.0.0.1\nHostKey " + hostKey() +
                                        "\nAuthorizedKeysFile " + (dir_ / "authorized_keys").string() +
                                        "\nPidFile " + (dir_ / "sshd.pid").string() +
                                        "\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                                        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n");
    run("/usr/sbin/sshd -f '" + (dir_ / "sshd_config").string() + "' -E '" + (dir_ / "sshd.log").string() + "'");
    for (int i = 0; i < 100 && !std::filesystem::exists(dir_ / "sshd.pid"); ++i) {
      if (readFile(dir_ / "sshd.log").find("Cannot bind") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream(dir_ / "sshd.pid") >> pid_;
  }

  static std::string run(const std::string& command) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run " + command);
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
    if (pclose(pipe) != 0) throw std::runtime_error(command + " failed: " + out);
    return out;
  }
  static int freePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) < 0) {
      close(fd);
      throw std::runtime_error("no free port");
    }
    close(fd);
    return ntohs(address.sin_port);
  }

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace vdc::testing
