// vdc apply and destroy against the limit: a baseline that makes exactly the
// libvirt calls the same VDC needs (define and start a network and every
// domain on the XML vdc defines, then stop and undefine them), with no engine
// around them, on the same embedded datacenter: as two processes that open
// and save the datacenter, as vdc must, and, for reference, in one process
// that keeps it in memory. Then apply with a delay on every provider call (a
// remote host) at --parallelism 1 and 10.
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
#include <iterator>
#include <string>
#include <vector>

#include "bench/measure.h"
#include "base/safe_file.h"
#include "providers/libvirt/datacenter.h"
#include "providers/libvirt/api/handles.h"

namespace fs = std::filesystem;
using namespace vdc::libvirt;

namespace {

using Clock = std::chrono::steady_clock;

using vdc::bench::median;

void writeVdc(const fs::path& dir, int instances) {
  fs::create_directories(dir);
  std::ofstream out(dir / "vdc.yaml");
  out << "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: bench}\n"
         "---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: net}\nspec: {cidr: 10.0.0.0/16}\n";
  for (int i = 0; i < instances; ++i)
    out << "---\napiVersion: vdc/v1\nkind: Instance\nmetadata: {name: vm-" << i
        << "}\nspec: {cpus: 1, memory: 512MiB, interfaces: [{network: net}]}\n";
}

// The libvirt calls and nothing else, on the XML vdc defines (ownership
// metadata included): one network, N domains on it.
const char* kNetworkXml =
    "<network><name>base.net</name><metadata><vdc:owner xmlns:vdc='urn:vdc:ownership:1' vdc='base' "
    "kind='Network' name='net' hash='f52486c9e4f4f423dd93cd5923633173d18cf08b8fad37f2e06858d2b56f9702'>"
    "<vdc:spec>{\"cidr\":\"10.0.0.0/16\",\"dhcp\":true,\"gateway\":\"10.0.0.1\",\"mode\":\"isolated\","
    "\"mtu\":1500}</vdc:spec></vdc:owner></metadata><mtu size='1500'/><ip address='10.0.0.1' prefix='16'>"
    "<dhcp><range start='10.0.128.0' end='10.0.255.254'/></dhcp></ip></network>";

std::string domainXml(int i) {
  char mac[32];
  std::snprintf(mac, sizeof mac, "52:54:00:%02x:%02x:%02x", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
  std::string name = "vm-" + std::to_string(i);
  return "<domain type='test'><name>base." + name +
         "</name><metadata><vdc:owner xmlns:vdc='urn:vdc:ownership:1' vdc='base' kind='Instance' name='" + name +
         "' hash='808c2fdbae7da7ddb8bcaf8e1db866832d4ddcea0d748401de9747b611e0137d'><vdc:spec>{\"cpus\":1,"
         "\"dependsOn\":[],\"hypervisor\":\"kvm\",\"interfaces\":[{\"network\":\"net\",\"securityGroups\":[]}],"
         "\"keyPairs\":[],\"memory\":\"512MiB\",\"state\":\"running\",\"volumes\":[]}</vdc:spec></vdc:owner>"
         "</metadata><memory unit='KiB'>524288</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>"
         "<interface type='network'><mac address='" +
         std::string(mac) + "'/><source network='base.net'/><model type='virtio'/></interface></devices></domain>";
}

ConnectionHandle openNodeFile(const std::string& file) {
  quietLibvirtErrors();
  ConnectionHandle conn(virConnectOpen(("test://" + file).c_str()));
  if (!conn) std::exit(1);
  return conn;
}

void check(bool ok) {
  if (!ok) std::exit(1);
}

std::vector<DomainHandle> create(virConnectPtr conn, int instances) {
  NetworkHandle net(virNetworkDefineXML(conn, kNetworkXml));
  check(net && virNetworkCreate(net.get()) == 0);
  std::vector<DomainHandle> domains;
  for (int i = 0; i < instances; ++i) {
    DomainHandle dom(virDomainDefineXMLFlags(conn, domainXml(i).c_str(), 0));
    check(dom && virDomainCreate(dom.get()) == 0);
    domains.push_back(std::move(dom));
  }
  return domains;
}

void remove(virConnectPtr conn, std::vector<DomainHandle>& domains) {
  for (auto& dom : domains) check(virDomainDestroy(dom.get()) == 0 && virDomainUndefine(dom.get()) == 0);
  NetworkHandle net(virNetworkLookupByName(conn, "base.net"));
  check(net && virNetworkDestroy(net.get()) == 0 && virNetworkUndefine(net.get()) == 0);
}

// Everything in one process, in memory: no datacenter survives it.
int baselineInMemory(const std::string& file, int instances) {
  ConnectionHandle conn = openNodeFile(file);
  auto domains = create(conn.get(), instances);
  remove(conn.get(), domains);
  return 0;
}

// What the embedded datacenter needs as a user runs it, create and delete
// being two processes: each opens the saved datacenter, makes its calls and
// saves it again.
int baselineCreate(const std::string& file, int instances) {
  ConnectionHandle conn = openNodeFile(file);
  create(conn.get(), instances);
  vdc::replaceFile(file, nodeXml(conn.get()));
  return 0;
}

int baselineDelete(const std::string& file) {
  ConnectionHandle conn = openNodeFile(file);
  virDomainPtr* list = nullptr;
  int n = virConnectListAllDomains(conn.get(), &list, 0);
  auto domains = takeList<DomainHandle>(list, n, "cannot list domains");
  remove(conn.get(), domains);
  vdc::replaceFile(file, nodeXml(conn.get()));
  return 0;
}

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "vdc-apply-bench: " << message << "\n";
  std::exit(1);
}

int countDomains(const std::string& nodeFile) {
  std::ifstream in(nodeFile);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  int count = 0;
  for (size_t at = text.find("<domain "); at != std::string::npos; at = text.find("<domain ", at + 1)) ++count;
  return count;
}

double timed(const std::string& command) {
  auto start = Clock::now();
  int status = std::system((command + " >/dev/null 2>&1").c_str());
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("failed: " + command);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  int instances = 1000, runs = 5, latencyInstances = 300, latencyMs = 20;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--baseline-in-memory" && i + 2 < argc) return baselineInMemory(argv[i + 1], std::stoi(argv[i + 2]));
    if (arg == "--baseline-create" && i + 2 < argc) return baselineCreate(argv[i + 1], std::stoi(argv[i + 2]));
    if (arg == "--baseline-delete" && i + 1 < argc) return baselineDelete(argv[i + 1]);
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

  std::vector<double> inMemory, create, remove, apply, destroy;
  std::string base = (work / ".vdc" / "base.xml").string();
  std::string baseline = cd + "'" + self + "' ";
  for (int r = 0; r < runs; ++r) {
    fs::remove_all(work / ".vdc");
    fs::create_directories(work / ".vdc");
    std::ofstream(base) << "<node>\n</node>\n";
    inMemory.push_back(timed(baseline + "--baseline-in-memory '" + base + "' " + std::to_string(instances)));
    create.push_back(timed(baseline + "--baseline-create '" + base + "' " + std::to_string(instances)));
    if (countDomains(base) != instances) fail("the baseline did not create every domain");
    remove.push_back(timed(baseline + "--baseline-delete '" + base + "'"));
    if (countDomains(base) != 0) fail("the baseline left domains behind");
    apply.push_back(timed(cd + "'" + vdc + "' apply vdc --auto-approve"));
    if (countDomains((work / ".vdc" / "sim.xml").string()) != instances) fail("vdc apply did not create every domain");
    destroy.push_back(timed(cd + "'" + vdc + "' destroy vdc --auto-approve"));
    if (countDomains((work / ".vdc" / "sim.xml").string()) != 0) fail("vdc destroy left domains behind");
  }
  double saved = median(create) + median(remove);
  double vdcBoth = median(apply) + median(destroy);
  std::printf("%d instances on one network, embedded datacenter, median of %d runs (seconds)\n", instances, runs);
  std::printf("  baseline, one process in memory, create + delete:  %8.3f\n", median(inMemory));
  std::printf("  baseline create (opens and saves the datacenter):  %8.3f\n", median(create));
  std::printf("  baseline delete (opens and saves the datacenter):  %8.3f\n", median(remove));
  std::printf("  vdc apply:                                         %8.3f\n", median(apply));
  std::printf("  vdc destroy:                                       %8.3f\n", median(destroy));
  std::printf("  vdc apply + destroy / baseline create + delete:    %8.2fx (target <= 1.25x)\n", vdcBoth / saved);
  std::printf("  vdc apply + destroy / baseline in memory:          %8.2fx\n", vdcBoth / median(inMemory));

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
