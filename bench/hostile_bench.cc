// Measures what refusing each hostile manifest (tests/hostile_manifests.h)
// costs the real binary: `vdc plan` on the embedded datacenter, in a fresh
// process each run; prints the median wall time and peak memory of each.
//
//   vdc-hostile-bench [--runs 5]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/hostile_manifests.h"

namespace fs = std::filesystem;

namespace {

struct Run {
  double seconds = 0;
  long peakKiB = 0;
  int exit = -1;
};

// `vdc plan DIR` in `work`, its output thrown away.
Run plan(const fs::path& work, const fs::path& dir) {
  std::fflush(stdout);  // or the child writes what is buffered again
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(work.c_str()) != 0) _exit(127);
    FILE* null = std::freopen("/dev/null", "w", stdout);
    null = std::freopen("/dev/null", "w", stderr);
    (void)null;
    execl(VDC_BINARY, "vdc", "plan", dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Run run;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.peakKiB = usage.ru_maxrss;
  run.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

template <typename T>
T median(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
  std::string pattern = (fs::temp_directory_path() / "vdc-hostile-XXXXXX").string();
  if (!mkdtemp(pattern.data())) return 1;
  fs::path work = pattern;
  std::printf("%-14s %10s %10s %12s %6s\n", "manifest", "bytes", "median s", "peak MiB", "exit");
  for (const auto& hostile : vdc::bench::hostileManifests()) {
    std::string directory = hostile.name;
    std::replace(directory.begin(), directory.end(), ' ', '-');
    fs::path dir = work / directory;
    fs::create_directories(dir);
    std::ofstream(dir / "vdc.yaml") << hostile.yaml;
    std::vector<double> seconds;
    std::vector<long> peaks;
    int exit = 0;
    for (int i = 0; i < runs; ++i) {
      Run run = plan(work, dir);
      seconds.push_back(run.seconds);
      peaks.push_back(run.peakKiB);
      exit = run.exit;
    }
    std::printf("%-14s %10zu %10.3f %12.1f %6d\n", hostile.name.c_str(), hostile.yaml.size(), median(seconds),
                median(peaks) / 1024.0, exit);
  }
  fs::remove_all(work);
  return 0;
}
