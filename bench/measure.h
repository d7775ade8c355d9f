// What the benchmarks share: medians, and a command run as a user runs it
// (a child process through the shell), timed, with what it printed.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace vdc::bench {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct Ran {
  double seconds = 0;
  int exit = -1;
  std::string out;  // stdout and stderr together, when asked to keep them
};

// Runs `command` with sh; keeps its output when `keep`, else drops it.
inline Ran runTimed(const std::string& command, bool keep = false) {
  Ran ran;
  auto start = std::chrono::steady_clock::now();
  FILE* pipe = popen((command + (keep ? " 2>&1" : " >/dev/null 2>&1")).c_str(), "r");
  if (!pipe) return ran;
  std::array<char, 65536> buffer;
  for (size_t n; (n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) ran.out.append(buffer.data(), n);
  int status = pclose(pipe);
  ran.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ran.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

}  // namespace vdc::bench
