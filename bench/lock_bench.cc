// What a VDC's lock costs an apply, where writers meet: the file beside an
// embedded datacenter, the network on a real libvirtd, the key in a real
// etcd cluster. For each: taking and letting go of the lock, medians of
// many; and what one renewal of the lease takes while it is held.
//
// Usage: vdc-lock-bench [--file DIR] [--host URI] [--etcd URL,URL,...]
//                       [--times 30] [--hold 10]
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
    char text[64];
    std::snprintf(text, sizeof text, "%.2f ms (%d in %d s)", done.count ? 1000 * done.seconds / done.count : 0.0,
                  done.count, holdSeconds);
    renewal = text;
  }
  std::printf("| %-28s | %8.2f ms | %8.2f ms | %s |\n", where, bench::median(take), bench::median(release),
              renewal.c_str());
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
  return 0;
}
