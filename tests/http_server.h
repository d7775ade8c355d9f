// A real HTTP server for tests: Python's http.server on a free port of
// 127.0.0.1, serving one directory, stopped when it goes out of scope. Or
// another Python server that says where it listens the same way
// (tests/git_http_server.py).
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace vdc::testing {

class HttpServer {
 public:
  explicit HttpServer(const std::filesystem::path& root,
                      const std::string& server = "-m http.server 0 --bind 127.0.0.1") {
    // The shell says its pid, then the server on which port it listens.
    std::string command = "cd '" + root.string() + "' && echo $$ && exec python3 -u " + server + " 2>/dev/null";
    output_ = popen(command.c_str(), "r");
    char line[256];
    if (!output_ || !fgets(line, sizeof line, output_)) throw std::runtime_error("cannot start python3 http.server");
    pid_ = std::atoi(line);
    if (!fgets(line, sizeof line, output_)) throw std::runtime_error("http.server did not start");
    std::string serving = line;  // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
    auto at = serving.find("(http://");
    if (at == std::string::npos) throw std::runtime_error("http.server said: " + serving);
    base_ = serving.substr(at + 1, serving.find(')', at) - at - 1);
  }
  ~HttpServer() {
    stop();
    if (output_) pclose(output_);
  }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "http://127.0.0.1:PORT/"
  const std::string& base() const { return base_; }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }

 private:
  FILE* output_ = nullptr;
  pid_t pid_ = 0;
  std::string base_;
};

}  // namespace vdc::testing
