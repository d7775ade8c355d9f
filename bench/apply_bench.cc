// vdc apply and destroy against the limit: a baseline that makes exactly the
// libvirt calls the same VDC needs (define and start a network and every
// domain, then stop and undefine them), with no engine around them, on the
// same embedded datacenter. Then apply with a delay on every provider call
// (a remote host) at --parallelism 1 and 10.
//
//   vdc-apply-bench [--instances 1000] [--runs 5] [--latency-instances 300] [--latency-ms 20]
//
// Everything runs as child processes, as a user would run vdc.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "providers/libvirt/handles.h"

namespace fs = std::filesystem;
using namespace vdc::libvirt;

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void writeVdc(const fs::path& dir, int instances) {
  fs::create_directories(dir);
  std::ofstream out(dir / "vdc.yaml");
  out << "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: bench}\n"
         "---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: net}\nspec: {cidr: 10.0.0.0/16}\n";
  for (int i = 0; i < instances; ++i)
    out << "---\napiVersion: vdc/v1\nkind: Instance\nmetadata: {name: vm-" << i
        << "}\nspec: {cpus: 1, memory: 512MiB, interfaces: [{network: net}]}\n";
}

// The libvirt calls and nothing else: one network, N domains on it.
int baseline(const std::string& file, int instances) {
  quietLibvirtErrors();
  ConnectionHandle conn(virConnectOpen(("test://" + file).c_str()));
  if (!conn) return 1;
  NetworkHandle net(virNetworkDefineXML(
      conn.get(), "<network><name>base.net</name><ip address='10.0.0.1' prefix='16'/></network>"));
  if (!net || virNetworkCreate(net.get()) < 0) return 1;
  std::vector<DomainHandle> domains;
  for (int i = 0; i < instances; ++i) {
    std::string xml = "<domain type='test'><name>base.vm-" + std::to_string(i) +
                      "</name><memory unit='KiB'>524288</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>"
                      "<interface type='network'><source network='base.net'/></interface></devices></domain>";
    DomainHandle dom(virDomainDefineXMLFlags(conn.get(), xml.c_str(), 0));
    if (!dom || virDomainCreate(dom.get()) < 0) return 1;
    domains.push_back(std::move(dom));
  }
  for (auto& dom : domains)
    if (virDomainDestroy(dom.get()) < 0 || virDomainUndefine(dom.get()) < 0) return 1;
  if (virNetworkDestroy(net.get()) < 0 || virNetworkUndefine(net.get()) < 0) return 1;
  return 0;
}

double timed(const std::string& command) {
  auto start = Clock::now();
  int status = std::system((command + " >/dev/null 2>&1").c_str());
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "failed: " << command << "\n";
    std::exit(1);
  }
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  int instances = 1000, runs = 5, latencyInstances = 300, latencyMs = 20;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--baseline" && i + 2 < argc) return baseline(argv[i + 1], std::stoi(argv[i + 2]));
    if (i + 1 >= argc) continue;
    if (arg == "--instances") instances = std::stoi(argv[++i]);
    else if (arg == "--runs") runs = std::stoi(argv[++i]);
    else if (arg == "--latency-instances") latencyInstances = std::stoi(argv[++i]);
    else if (arg == "--latency-ms") latencyMs = std::stoi(argv[++i]);
  }
  std::string self = fs::canonical("/proc/self/exe").string();
  std::string vdc = (fs::path(self).parent_path().parent_path() / "cli" / "vdc").string();
  fs::path work = fs::temp_directory_path() / ("vdc-apply-bench-" + std::to_string(getpid()));
  fs::remove_all(work);
  writeVdc(work / "vdc", instances);
  std::string cd = "cd '" + work.string() + "' && ";

  std::vector<double> base, apply, destroy;
  for (int r = 0; r < runs; ++r) {
    fs::remove_all(work / ".vdc");
    fs::create_directories(work / ".vdc");
    std::ofstream(work / ".vdc" / "base.xml") << "<node>\n</node>\n";
    base.push_back(timed(cd + "'" + self + "' --baseline '" + (work / ".vdc" / "base.xml").string() + "' " +
                         std::to_string(instances)));
    apply.push_back(timed(cd + "'" + vdc + "' apply vdc --auto-approve"));
    destroy.push_back(timed(cd + "'" + vdc + "' destroy vdc --auto-approve"));
  }
  double vdcBoth = median(apply) + median(destroy);
  std::printf("%d instances on one network, embedded datacenter, median of %d runs (seconds)\n", instances, runs);
  std::printf("  baseline (libvirt calls only, create + delete): %8.3f\n", median(base));
  std::printf("  vdc apply:                                      %8.3f\n", median(apply));
  std::printf("  vdc destroy:                                    %8.3f\n", median(destroy));
  std::printf("  vdc apply + destroy / baseline:                 %8.2fx (target <= 1.25x)\n", vdcBoth / median(base));

  fs::remove_all(work);
  writeVdc(work / "vdc", latencyInstances);
  std::string latency = "VDC_LATENCY_MS=" + std::to_string(latencyMs) + " ";
  std::vector<double> serial, parallel;
  for (int r = 0; r < std::max(1, runs / 2); ++r) {
    fs::remove_all(work / ".vdc");
    serial.push_back(timed(cd + latency + "'" + vdc + "' apply vdc --auto-approve --parallelism 1"));
    fs::remove_all(work / ".vdc");
    parallel.push_back(timed(cd + latency + "'" + vdc + "' apply vdc --auto-approve --parallelism 10"));
  }
  std::printf("%d instances, %d ms per provider call, median of %d runs (seconds)\n", latencyInstances, latencyMs,
              std::max(1, runs / 2));
  std::printf("  vdc apply --parallelism 1:                      %8.3f\n", median(serial));
  std::printf("  vdc apply --parallelism 10:                     %8.3f\n", median(parallel));
  std::printf("  speed-up:                                       %8.2fx (target >= 8x)\n", median(serial) / median(parallel));
  fs::remove_all(work);
  return 0;
}
