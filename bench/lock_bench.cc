// What a VDC's lock costs an apply, where writers meet: the file beside an
// embedded datacenter, the network on a real libvirtd, the key in a real
// etcd cluster. For each: taking and letting go of the lock, medians of
// many; and what one renewal of the lease takes while it is held. On
// libvirtd, also while another connection starts and stops networks beside
// it, as an apply does: the renewal (an update of the lock network in
// place) against a define of a network at the same time, which waits for
// libvirtd's list of networks.
//
// Usage: vdc-lock-bench [--file DIR] [--host URI] [--etcd URL,URL,...]
//                       [--times 30] [--hold 10]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/measure.h"
#include "engine/lock.h"
#include "providers/etcd/locks.h"
#include "providers/libvirt/host_lock.h"

using namespace vdc;
using Clock = std::chrono::steady_clock;

namespace {

// A lease's renewals so far: their mean time, in ms.
double meanMilliseconds(const RenewedLease::Renewals& done) {
  return done.count ? 1000 * done.seconds / done.count : 0.0;
}

double millisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void measure(const char* where, LockService& locks, int times, int holdSeconds) {
  std::vector<double> take, release;
  std::string holder;
  for (int i = 0; i < times; ++i) {
    auto start = Clock::now();
    LeasePtr lease = locks.tryAcquire("bench", "vdc-lock-bench", holder);
    take.push_back(millisecondsSince(start));
    if (!lease) {
      std::fprintf(stderr, "%s: the lock is held by %s\n", where, holder.c_str());
      return;
    }
    start = Clock::now();
    lease.reset();
    release.push_back(millisecondsSince(start));
  }
  std::string renewal = "-";
  LeasePtr held = locks.tryAcquire("bench", "vdc-lock-bench", holder);
  if (auto* renewed = dynamic_cast<RenewedLease*>(held.get())) {
    std::this_thread::sleep_for(std::chrono::seconds(holdSeconds));
    auto done = renewed->renewals();
    char text[96];
    std::snprintf(text, sizeof text, "%.2f ms mean, %.2f ms longest (%d in %d s)",
                  meanMilliseconds(done), 1000 * done.longest, done.count, holdSeconds);
    renewal = text;
  }
  std::printf("| %-28s | %8.2f ms | %8.2f ms | %s |\n", where, bench::median(take), bench::median(release),
              renewal.c_str());
}

// Networks started and stopped one after another on their own connection
// until `stop`, as an apply makes them: isolated, with DHCP, so each start
// runs dnsmasq and sets firewall rules. Returns how many were started.
int churnNetworks(const std::string& uri, const std::atomic<bool>& stop) {
  libvirt::ConnectionHandle host(virConnectOpen(uri.c_str()));
  int started = 0;
  for (int i = 0; host && !stop; i = (i + 1) % 4) {
    std::string name = "vdcbench-churn" + std::to_string(i), net = "10.213." + std::to_string(i);
    std::string xml = "<network><name>" + name + "</name><bridge name='vdcbchurn" +
                      std::to_string(i) + "'/><ip address='" + net + ".1' netmask='255.255.255.0'><dhcp><range start='" +
                      net + ".10' end='" + net + ".200'/></dhcp></ip></network>";
    libvirt::NetworkHandle network(virNetworkDefineXML(host.get(), xml.c_str()));
    if (!network) break;
    started += virNetworkCreate(network.get()) == 0;
    virNetworkDestroy(network.get());
    virNetworkUndefine(network.get());
  }
  return started;
}

// The host lock held for `holdSeconds` while networks start beside it; and
// beside both, a define of a network every 100 ms, timed.
void measureUnderChurn(const std::string& uri, int holdSeconds) {
  libvirt::HostLocks locks(uri, std::chrono::seconds(3));
  std::string holder;
  LeasePtr held = locks.tryAcquire("bench", "vdc-lock-bench", holder);
  auto* renewed = dynamic_cast<RenewedLease*>(held.get());
  if (!renewed) {
    std::fprintf(stderr, "libvirt host: the lock is held by %s\n", holder.c_str());
    return;
  }
  std::atomic<bool> stop = false;
  int started = 0;
  std::thread churn([&] { started = churnNetworks(uri, stop); });
  libvirt::ConnectionHandle host(virConnectOpen(uri.c_str()));
  std::vector<double> defines;
  const std::string xml = "<network><name>vdcbench-define</name><uuid>6c9f3a52-6a0e-4e0b-9d55-0d0a4f5b7e11</uuid>"
                          "<bridge name='vdcbdefine'/></network>";
  for (auto until = Clock::now() + std::chrono::seconds(holdSeconds); Clock::now() < until;) {
    auto start = Clock::now();
    libvirt::NetworkHandle network(virNetworkDefineXML(host.get(), xml.c_str()));
    if (network) defines.push_back(millisecondsSince(start));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  churn.join();
  if (libvirt::NetworkHandle left{virNetworkLookupByName(host.get(), "vdcbench-define")}) virNetworkUndefine(left.get());
  auto done = renewed->renewals();
  bool kept = true;
  try {
    held->check();
  } catch (const std::exception&) {
    kept = false;
  }
  std::printf("\nWhile %d networks were started and stopped beside it in %d s (lease 3 s):\n\n", started, holdSeconds);
  std::printf("| call | count | median | longest |\n|---|---:|---:|---:|\n");
  std::printf("| a renewal of the host lock (update in place) | %d | %.2f ms (mean) | %.2f ms |\n", done.count,
              meanMilliseconds(done), 1000 * done.longest);
  std::printf("| a define of a network beside it | %zu | %.2f ms | %.2f ms |\n", defines.size(), bench::median(defines),
              defines.empty() ? 0.0 : *std::max_element(defines.begin(), defines.end()));
  std::printf("\nThe lease was %s.\n", kept ? "kept throughout" : "LOST");
}

}  // namespace

int main(int argc, char** argv) {
  std::string file, host, etcdEndpoints;
  int times = 30, hold = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--file") file = value;
    else if (flag == "--host") host = value;
    else if (flag == "--etcd") etcdEndpoints = value;
    else if (flag == "--times") times = std::stoi(value);
    else if (flag == "--hold") hold = std::stoi(value);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  libvirt::quietLibvirtErrors();
  std::printf("Taking and letting go of a VDC's lock, medians of %d; a renewal while held (lease 3 s):\n\n", times);
  std::printf("| %-28s | %11s | %11s | %s |\n", "where", "take", "let go", "one renewal");
  std::printf("|---|---:|---:|---|\n");
  if (!file.empty()) {
    FileLocks locks(file);
    measure(("file " + file).c_str(), locks, times, hold);
  }
  if (!host.empty()) {
    libvirt::HostLocks locks(host, std::chrono::seconds(3));
    measure(("libvirt host " + host).c_str(), locks, times, hold);
  }
  if (!etcdEndpoints.empty()) {
    etcd::Settings settings;
    for (size_t start = 0; start <= etcdEndpoints.size();) {
      size_t comma = etcdEndpoints.find(',', start);
      if (comma == std::string::npos) comma = etcdEndpoints.size();
      settings.endpoints.push_back(etcdEndpoints.substr(start, comma - start));
      start = comma + 1;
    }
    settings.prefix = "/vdc-bench/";
    etcd::EtcdLocks locks(std::make_shared<etcd::Client>(settings), std::chrono::seconds(3));
    measure("etcd (3 members, loopback)", locks, times, hold);
  }
  if (!host.empty()) measureUnderChurn(host, hold);
  return 0;
}
