// Measures a no-op plan at several sizes: load+validate, graph, reading the
// live state back from the embedded datacenter (open: loading its file into
// the test driver; read: open plus reading every object), diff; and peak memory.
//
//   vdc-bench [--sizes 1000,10000,100000] [--runs 5] [--keep]
//   vdc-bench --generate DIR N      (just write a VDC of N resources)
//
// Each size runs in fresh processes: one applies the generated VDC, one
// measures (so peak memory is the plan's alone). Prints a table of medians.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <vector>

#include "bench/measure.h"
#include "bench/generate.h"
#include "engine/apply.h"
#include "engine/diff.h"
#include "engine/graph.h"
#include "engine/loader.h"
#include "providers/libvirt/datacenter.h"

namespace fs = std::filesystem;
using namespace vdc;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

using vdc::bench::median;

long peakRssKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

Vdc loadOrDie(const std::string& dir) {
  Diagnostics diags;
  Vdc vdc = loadVdc(dir, diags);
  if (!diags.empty()) {
    std::cerr << diags.str();
    std::exit(1);
  }
  return vdc;
}

// Child: apply the generated VDC so the plan that follows is a no-op.
int setup(const std::string& work) {
  Vdc vdc = loadOrDie(work + "/vdc");
  libvirt::EmbeddedDatacenter dc(work + "/sim.xml");
  LiveState live = dc.read(vdc.name);
  Diagnostics problems;
  Plan plan = diff(vdc, live, dc.describe(), false, problems);
  ApplyReport report = apply(plan, dc, live, {.parallelism = 10});
  dc.commit();
  if (!report.ok()) {
    std::cerr << "setup apply failed\n";
    return 1;
  }
  return 0;
}

// Child: one no-op plan, timed by phase. Prints "load graph read diff total changes".
int measure(const std::string& work) {
  auto start = Clock::now();
  auto t = Clock::now();
  Vdc vdc = loadOrDie(work + "/vdc");
  double load = since(t);
  t = Clock::now();
  DependencyGraph graph = DependencyGraph::of(vdc);
  if (!graph.cycles().empty()) return 1;
  size_t ordered = graph.order().size();
  double graphTime = since(t);
  t = Clock::now();
  libvirt::EmbeddedDatacenter dc(work + "/sim.xml");
  double open = since(t);
  LiveState live = dc.read(vdc.name);
  double read = since(t);
  t = Clock::now();
  Diagnostics problems;
  Plan plan = diff(vdc, live, dc.describe(), false, problems);
  double diffTime = since(t);
  double total = since(start);
  std::printf("%f %f %f %f %f %zu %ld %zu %f\n", load, graphTime, read, diffTime, total, plan.changes.size(),
              peakRssKiB(), ordered, open);
  return 0;
}

std::string runChild(const std::string& self, const std::string& mode, const std::string& work) {
  std::string command = "'" + self + "' --" + mode + " '" + work + "'";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "";
  std::string out;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
  int status = pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << mode << " failed for " << work << "\n";
    std::exit(1);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  mallopt(M_MXFAST, 0);  // as vdc itself does (cli/main.cc)
  std::string self = fs::canonical("/proc/self/exe").string();
  std::vector<size_t> sizes = {1000, 10000, 100000};
  int runs = 5;
  bool keep = false;  // leave the work directories for profiling (--keep)
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--setup" && i + 1 < argc) return setup(argv[i + 1]);
    if (arg == "--generate" && i + 2 < argc) {
      std::printf("%zu resources in %s\n", bench::generateVdc(argv[i + 1], std::stoul(argv[i + 2])), argv[i + 1]);
      return 0;
    }
    if (arg == "--measure" && i + 1 < argc) return measure(argv[i + 1]);
    if (arg == "--runs" && i + 1 < argc) runs = std::stoi(argv[++i]);
    if (arg == "--keep") keep = true;
    if (arg == "--sizes" && i + 1 < argc) {
      sizes.clear();
      std::stringstream list(argv[++i]);
      for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::stoul(item));
    }
  }

  std::printf("no-op plan on the embedded datacenter, median of %d runs (seconds; memory in MB)\n", runs);
  std::printf("%9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "resources", "load", "graph", "open", "read", "diff", "total",
              "peak MB", "apply s");
  for (size_t size : sizes) {
    fs::path work = fs::temp_directory_path() / ("vdc-bench-" + std::to_string(size) + "-" + std::to_string(getpid()));
    fs::remove_all(work);
    size_t written = bench::generateVdc((work / "vdc").string(), size);
    auto setupStart = Clock::now();
    runChild(self, "setup", work.string());
    double applySeconds = since(setupStart);
    std::vector<double> load, graph, read, diffs, total, open;
    long peak = 0;
    for (int r = 0; r < runs; ++r) {
      std::stringstream out(runChild(self, "measure", work.string()));
      double l, g, rd, d, tt, op;
      size_t changes, ordered;
      long rss;
      out >> l >> g >> rd >> d >> tt >> changes >> rss >> ordered >> op;
      if (changes != 0 || ordered != written) {
        std::cerr << "not a no-op plan at " << size << ": " << changes << " changes\n";
        return 1;
      }
      load.push_back(l), graph.push_back(g), read.push_back(rd), diffs.push_back(d), total.push_back(tt);
      open.push_back(op);
      peak = std::max(peak, rss);
    }
    std::printf("%9zu %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.1f %9.1f\n", written, median(load), median(graph),
                median(open), median(read), median(diffs), median(total), peak / 1024.0, applySeconds);
    std::fflush(stdout);
    if (keep)
      std::printf("kept %s (profile with: vdc-bench --measure %s)\n", work.c_str(), work.c_str());
    else
      fs::remove_all(work);
  }
  return 0;
}
