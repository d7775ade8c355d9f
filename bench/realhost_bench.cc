// vdc on a real libvirt host (the datacenter scripts/datacenter.sh starts)
// beside the raw libvirt calls it makes: for each N, a VDC of N tiny
// guests (QEMU, 128 MiB, a copy-on-write root disk on one image, a
// cloud-init seed, one NIC on one network) is applied and destroyed by
// `vdc`, and the same objects are made and removed by a replay of exactly
// what vdc made, as libvirt shows it (network, volume, filter and domain
// XML, the seeds' bytes), at the same parallelism, one connection per
// worker. Each side runs as separate processes, as a user would run them,
// interleaved, and the bench prints medians, their ratio, each instance's
// time and where vdc's goes (root disk, seed, filters, define, start, and
// the rest: lookups and records).
//
//   vdc-realhost-bench --guest IMG [--instances 20,50] [--defined 200] [--runs 3]
//                      [--parallelism 10] [--serial 20] [--graceful 5] [--grouped 0] [--pool vdc-bench]
//
// --serial N repeats N guests at --parallelism 1 on both sides (per-instance
// latency); --defined N makes N guests defined but stopped; --graceful S
// times a destroy of the first N's guests with --shutdown-timeout S (the
// test guest does not listen for ACPI: the whole wait, then forced off);
// --grouped N puts N guests' NICs in a security group (an nwfilter each) at
// --parallelism 10 and 1. Needs root and
// a running libvirtd at qemu:///system.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "bench/measure.h"
#include "engine/hash.h"
#include "engine/model.h"
#include "providers/libvirt/api/handles.h"
#include "providers/libvirt/api/volume_stream.h"

namespace fs = std::filesystem;
using namespace vdc::libvirt;
using vdc::Json;
using vdc::bench::median;
using vdc::bench::runTimed;

namespace {

constexpr const char* kUri = "qemu:///system";
constexpr const char* kVdc = "rb";

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "vdc-realhost-bench: " << message << "\n";
  std::exit(1);
}

ConnectionHandle connect() {
  quietLibvirtErrors();
  ConnectionHandle conn(virConnectOpen(kUri));
  if (!conn) fail(std::string("cannot connect to ") + kUri + ": start scripts/datacenter.sh");
  return conn;
}

std::string readAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string withoutUuid(std::string xml) { return std::regex_replace(xml, std::regex("<uuid>[^<]*</uuid>"), ""); }

void writeVdc(const fs::path& dir, const std::string& guest, int instances, bool running, bool grouped,
              const std::string& pool) {
  fs::create_directories(dir / "vdc");
  if (!fs::exists(dir / "vdc" / "guest.img")) fs::copy_file(guest, dir / "vdc" / "guest.img");
  std::ofstream out(dir / "vdc" / "vdc.yaml");
  out << "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: " << kVdc << "}\n"
      << "---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: net}\nspec: {cidr: 10.95.0.0/16}\n"
      << "---\napiVersion: vdc/v1\nkind: Image\nmetadata: {name: guest}\nspec: {source: guest.img, format: raw, sha256: "
      << vdc::sha256Hex(readAll(dir / "vdc" / "guest.img")) << "}\n";
  if (grouped)
    out << "---\napiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: web}\n"
        << "spec: {ingress: [{protocol: tcp, ports: \"80\"}]}\n";
  for (int i = 0; i < instances; ++i)
    out << "---\napiVersion: vdc/v1\nkind: Instance\nmetadata: {name: vm-" << i
        << "}\nspec: {memory: 128MiB, hypervisor: qemu, image: guest, interfaces: [{network: net"
        << (grouped ? ", securityGroups: [web]" : "") << "}]" << (running ? "" : ", state: stopped") << "}\n";
  std::ofstream(dir / "target.yaml") << "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: bench}\nspec:\n  hosts:\n"
                                     << "    - uri: " << kUri << "\n  storageClasses:\n    standard: {pool: " << pool
                                     << "}\n";
}

// What vdc made, as libvirt shows it: the raw side makes exactly this.
Json capture(const fs::path& dir, const std::string& pool) {
  ConnectionHandle conn = connect();
  Json out = {{"pool", pool}, {"networks", Json::array()}, {"instances", Json::array()}};
  virNetworkPtr* nets = nullptr;
  int n = virConnectListAllNetworks(conn.get(), &nets, 0);
  for (auto& net : takeList<NetworkHandle>(nets, n, "networks")) {
    std::string name = virNetworkGetName(net.get());
    if (name.starts_with(std::string(kVdc) + ".") && name != std::string(kVdc) + "._vdc")
      out["networks"].push_back(withoutUuid(takeString(virNetworkGetXMLDesc(net.get(), VIR_NETWORK_XML_INACTIVE), name)));
  }
  PoolHandle storage(virStoragePoolLookupByName(conn.get(), pool.c_str()));
  auto volumeXml = [&](const std::string& name) {
    VolumeHandle vol(virStorageVolLookupByName(storage.get(), name.c_str()));
    if (!vol) fail("vdc made no volume " + name);
    return takeString(virStorageVolGetXMLDesc(vol.get(), 0), name);
  };
  out["groups"] = Json::array();
  virNWFilterPtr* filters = nullptr;
  n = virConnectListAllNWFilters(conn.get(), &filters, 0);
  for (auto& filter : takeList<FilterHandle>(filters, n, "filters")) {
    std::string name = virNWFilterGetName(filter.get());
    if (name.starts_with(std::string(kVdc) + ".sg."))
      out["groups"].push_back({{"name", name}, {"xml", withoutUuid(takeString(virNWFilterGetXMLDesc(filter.get(), 0), name))}});
  }
  out["image"] = volumeXml(std::string(kVdc) + ".img.guest");
  out["imageFile"] = (dir / "vdc" / "guest.img").string();
  virDomainPtr* doms = nullptr;
  n = virConnectListAllDomains(conn.get(), &doms, 0);
  fs::create_directories(dir / "seeds");
  for (auto& dom : takeList<DomainHandle>(doms, n, "domains")) {
    std::string name = virDomainGetName(dom.get());
    if (!name.starts_with(std::string(kVdc) + ".vm-")) continue;
    std::string instance = name.substr(std::string(kVdc).size() + 1);
    Json item = {{"name", name}, {"running", virDomainIsActive(dom.get()) == 1}, {"filters", Json::array()}};
    item["domain"] = withoutUuid(takeString(virDomainGetXMLDesc(dom.get(), VIR_DOMAIN_XML_INACTIVE), name));
    item["root"] = volumeXml(std::string(kVdc) + ".root." + instance);
    std::string seed = std::string(kVdc) + ".seed." + instance;
    item["seed"] = volumeXml(seed);
    std::string bytes;
    VolumeHandle seedVolume(virStorageVolLookupByName(storage.get(), seed.c_str()));
    downloadVolume(conn.get(), seedVolume.get(), [&](const char* data, size_t size) { bytes.append(data, size); });
    std::ofstream((dir / "seeds" / seed).string(), std::ios::binary) << bytes;
    item["seedFile"] = (dir / "seeds" / seed).string();
    for (int nic = 0;; ++nic) {
      std::string filter = std::string(kVdc) + ".nic." + instance + "." + std::to_string(nic);
      FilterHandle handle(virNWFilterLookupByName(conn.get(), filter.c_str()));
      if (!handle) break;
      item["filters"].push_back(withoutUuid(takeString(virNWFilterGetXMLDesc(handle.get(), 0), filter)));
    }
    out["instances"].push_back(item);
  }
  return out;
}

void upload(virConnectPtr conn, virStorageVolPtr volume, const std::string& file) {
  std::string bytes = readAll(file);
  VolumeUpload stream(conn, volume, bytes.size());
  stream.send(bytes);
  stream.finish();
}

// Runs `work` on each instance with `parallelism` workers, each on its own
// connection; prints each instance's milliseconds.
template <typename Work>
void eachInstance(const Json& instances, int parallelism, Work work) {
  std::atomic<size_t> next{0};
  std::mutex printing;
  std::string failed;
  std::vector<std::thread> workers;
  for (size_t w = 0; w < std::min<size_t>(parallelism, instances.size()); ++w)
    workers.emplace_back([&] {
      try {
        ConnectionHandle conn = connect();
        for (size_t i; (i = next++) < instances.size();) {
          auto begun = std::chrono::steady_clock::now();
          work(conn.get(), instances[i]);
          double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begun).count();
          std::lock_guard lock(printing);
          std::printf("instance %s %.1f\n", instances[i]["name"].get<std::string>().c_str(), ms);
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(printing);
        failed = e.what();
        next = instances.size();
      }
    });
  for (auto& worker : workers) worker.join();
  if (!failed.empty()) fail(failed);
}

int replayCreate(const Json& made, int parallelism) {
  ConnectionHandle conn = connect();
  for (const auto& xml : made["networks"]) {
    NetworkHandle net(virNetworkDefineXML(conn.get(), xml.get<std::string>().c_str()));
    if (!net || virNetworkCreate(net.get()) < 0 || virNetworkSetAutostart(net.get(), 1) < 0)
      throw libvirtError("network");
  }
  for (const auto& group : made["groups"])
    if (!FilterHandle(virNWFilterDefineXML(conn.get(), group["xml"].get<std::string>().c_str())))
      throw libvirtError("group filter");
  std::string poolName = made["pool"];
  PoolHandle pool(virStoragePoolLookupByName(conn.get(), poolName.c_str()));
  VolumeHandle image(virStorageVolCreateXML(pool.get(), made["image"].get<std::string>().c_str(), 0));
  if (!image) throw libvirtError("image volume");
  upload(conn.get(), image.get(), made["imageFile"]);
  eachInstance(made["instances"], parallelism, [&](virConnectPtr c, const Json& item) {
    PoolHandle p(virStoragePoolLookupByName(c, poolName.c_str()));
    VolumeHandle root(virStorageVolCreateXML(p.get(), item["root"].get<std::string>().c_str(), 0));
    VolumeHandle seed(virStorageVolCreateXML(p.get(), item["seed"].get<std::string>().c_str(), 0));
    if (!root || !seed) throw libvirtError("volumes of " + item["name"].get<std::string>());
    upload(c, seed.get(), item["seedFile"]);
    for (const auto& filter : item["filters"])
      if (!FilterHandle(virNWFilterDefineXML(c, filter.get<std::string>().c_str()))) throw libvirtError("filter");
    DomainHandle dom(virDomainDefineXMLFlags(c, item["domain"].get<std::string>().c_str(), VIR_DOMAIN_DEFINE_VALIDATE));
    if (!dom || (item["running"] == true && virDomainCreate(dom.get()) < 0)) throw libvirtError(item["name"]);
  });
  return 0;
}

int replayDestroy(const Json& made, int parallelism) {
  std::string poolName = made["pool"];
  auto deleteVolume = [&](virConnectPtr c, const std::string& name) {
    PoolHandle p(virStoragePoolLookupByName(c, poolName.c_str()));
    VolumeHandle vol(virStorageVolLookupByName(p.get(), name.c_str()));
    if (!vol || virStorageVolDelete(vol.get(), 0) < 0) throw libvirtError("volume " + name);
  };
  eachInstance(made["instances"], parallelism, [&](virConnectPtr c, const Json& item) {
    std::string name = item["name"];
    DomainHandle dom(virDomainLookupByName(c, name.c_str()));
    if (!dom) throw libvirtError(name);
    if (virDomainIsActive(dom.get()) == 1 && virDomainDestroy(dom.get()) < 0) throw libvirtError(name);
    if (virDomainUndefine(dom.get()) < 0) throw libvirtError(name);
    std::string instance = name.substr(std::string(kVdc).size() + 1);
    deleteVolume(c, std::string(kVdc) + ".root." + instance);
    deleteVolume(c, std::string(kVdc) + ".seed." + instance);
    for (size_t nic = 0; nic < item["filters"].size(); ++nic) {
      std::string filter = std::string(kVdc) + ".nic." + instance + "." + std::to_string(nic);
      FilterHandle handle(virNWFilterLookupByName(c, filter.c_str()));
      if (!handle || virNWFilterUndefine(handle.get()) < 0) throw libvirtError(filter);
    }
  });
  ConnectionHandle conn = connect();
  for (const auto& group : made["groups"]) {
    FilterHandle handle(virNWFilterLookupByName(conn.get(), group["name"].get<std::string>().c_str()));
    if (!handle || virNWFilterUndefine(handle.get()) < 0) throw libvirtError("group filter");
  }
  deleteVolume(conn.get(), std::string(kVdc) + ".img.guest");
  for (const auto& xml : made["networks"]) {
    std::smatch name;
    std::string text = xml;
    std::regex_search(text, name, std::regex("<name>([^<]*)</name>"));
    NetworkHandle net(virNetworkLookupByName(conn.get(), name[1].str().c_str()));
    if (!net || virNetworkDestroy(net.get()) < 0 || virNetworkUndefine(net.get()) < 0) throw libvirtError("network");
  }
  return 0;
}

// Objects of the VDC still on the host: none between runs.
int leftovers() {
  ConnectionHandle conn = connect();
  int found = 0;
  virDomainPtr* doms = nullptr;
  int n = virConnectListAllDomains(conn.get(), &doms, 0);
  for (auto& dom : takeList<DomainHandle>(doms, n, "domains"))
    found += std::string(virDomainGetName(dom.get())).starts_with(std::string(kVdc) + ".");
  virNetworkPtr* nets = nullptr;
  n = virConnectListAllNetworks(conn.get(), &nets, 0);
  for (auto& net : takeList<NetworkHandle>(nets, n, "networks"))
    found += std::string(virNetworkGetName(net.get())).starts_with(std::string(kVdc) + ".");
  return found;
}

struct Figures {
  std::vector<double> vdcCreate, vdcDestroy, rawCreate, rawDestroy;
  std::vector<double> vdcInstance, rawInstance;            // ms, every instance of every run
  std::map<std::string, std::vector<double>> steps;        // vdc's, ms
};

void collectInstances(const std::string& out, const std::regex& line, double scale, std::vector<double>& into) {
  for (auto it = std::sregex_iterator(out.begin(), out.end(), line); it != std::sregex_iterator(); ++it)
    into.push_back(std::stod((*it)[1]) * scale);
}

Figures measure(const fs::path& dir, const std::string& self, const std::string& vdcBinary, int runs, int parallelism) {
  std::string cd = "cd '" + dir.string() + "' && ";
  std::string p = " --parallelism " + std::to_string(parallelism);
  std::string vdcRun = cd + "'" + vdcBinary + "' ";
  std::string target = " vdc --target target.yaml --auto-approve" + p;
  std::string replay = cd + "'" + self + "' --replay ";
  Figures f;
  for (int r = 0; r < runs; ++r) {
    auto apply = runTimed(vdcRun + "-v apply" + target, true);
    if (apply.exit != 0) fail("vdc apply failed:\n" + apply.out);
    f.vdcCreate.push_back(apply.seconds);
    collectInstances(apply.out, std::regex(R"(\+ Instance/\S+: created \(([0-9.]+)s\))"), 1000, f.vdcInstance);
    std::regex step(R"(step \S+ (\w+) ([0-9.]+) ms)");
    for (auto it = std::sregex_iterator(apply.out.begin(), apply.out.end(), step); it != std::sregex_iterator(); ++it)
      f.steps[(*it)[1]].push_back(std::stod((*it)[2]));
    auto destroy = runTimed(vdcRun + "destroy" + target);
    if (destroy.exit != 0 || leftovers() != 0) fail("vdc destroy failed or left objects");
    f.vdcDestroy.push_back(destroy.seconds);

    auto create = runTimed(replay + "create capture.json " + std::to_string(parallelism), true);
    if (create.exit != 0) fail("the raw create failed:\n" + create.out);
    f.rawCreate.push_back(create.seconds);
    collectInstances(create.out, std::regex(R"(instance \S+ ([0-9.]+))"), 1, f.rawInstance);
    auto remove = runTimed(replay + "destroy capture.json " + std::to_string(parallelism), true);
    if (remove.exit != 0 || leftovers() != 0) fail("the raw destroy failed:\n" + remove.out);
    f.rawDestroy.push_back(remove.seconds);
  }
  return f;
}

void report(const std::string& title, const Figures& f, int runs) {
  std::printf("%s, median of %d runs\n", title.c_str(), runs);
  double vc = median(f.vdcCreate), rc = median(f.rawCreate), vd = median(f.vdcDestroy), rd = median(f.rawDestroy);
  std::printf("  create:  vdc %7.2f s   raw calls %7.2f s   ratio %.2fx (target <= 1.15x)\n", vc, rc, vc / rc);
  std::printf("  destroy: vdc %7.2f s   raw calls %7.2f s   ratio %.2fx (target <= 1.15x)\n", vd, rd, vd / rd);
  double vi = median(f.vdcInstance), ri = median(f.rawInstance);
  std::printf("  per instance (median): vdc %.0f ms, raw calls %.0f ms, ratio %.2fx\n", vi, ri, ri > 0 ? vi / ri : 0);
  std::printf("  vdc per instance (median ms):");
  double accounted = 0;
  for (const char* step : {"rootDisk", "seed", "filters", "define", "start"}) {
    auto it = f.steps.find(step);
    double ms = it == f.steps.end() ? 0 : median(it->second);
    accounted += ms;
    std::printf(" %s %.0f", step, ms);
  }
  std::printf(", the rest %.0f\n", vi - accounted);
  std::fflush(stdout);
}

std::vector<int> numbers(const std::string& list) {
  std::vector<int> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(std::stoi(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string guest, pool = "vdc-bench", instances = "20,50";
  int runs = 3, parallelism = 10, defined = 200, serial = 20, graceful = 5, grouped = 0;
  try {
    for (int i = 1; i + 1 < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--replay" && i + 3 < argc) {
        Json made = Json::parse(readAll(argv[i + 2]));  // errors: caught below, exit 1
        return std::string(argv[i + 1]) == "create" ? replayCreate(made, std::stoi(argv[i + 3]))
                                                    : replayDestroy(made, std::stoi(argv[i + 3]));
      }
      if (arg == "--guest") guest = argv[++i];
      else if (arg == "--instances") instances = argv[++i];
      else if (arg == "--runs") runs = std::stoi(argv[++i]);
      else if (arg == "--parallelism") parallelism = std::stoi(argv[++i]);
      else if (arg == "--defined") defined = std::stoi(argv[++i]);
      else if (arg == "--serial") serial = std::stoi(argv[++i]);
      else if (arg == "--pool") pool = argv[++i];
      else if (arg == "--graceful") graceful = std::stoi(argv[++i]);
      else if (arg == "--grouped") grouped = std::stoi(argv[++i]);
    }
  } catch (const std::exception& e) {
    fail(e.what());
  }
  if (guest.empty()) fail("--guest IMAGE is needed (scripts/guest-image.sh build/e2e makes one)");
  std::string self = fs::canonical("/proc/self/exe").string();
  std::string vdcBinary = (fs::path(self).parent_path().parent_path() / "cli" / "vdc").string();
  fs::path work = fs::temp_directory_path() / ("vdc-realhost-bench-" + std::to_string(getpid()));
  if (runTimed("virsh -q -c qemu:///system pool-info " + pool).exit != 0) {
    fs::create_directories("/var/lib/vdc/pools/" + pool);
    runTimed("virsh -q -c qemu:///system pool-define-as " + pool + " dir --target /var/lib/vdc/pools/" + pool);
    runTimed("virsh -q -c qemu:///system pool-start " + pool);
  }
  if (leftovers() != 0) fail("the host already holds objects of VDC '" + std::string(kVdc) + "'");

  struct Case {
    int n, parallelism;
    bool running, grouped = false;
  };
  std::vector<Case> cases;
  for (int n : numbers(instances)) cases.push_back({n, parallelism, true});
  if (serial > 0) cases.push_back({serial, 1, true});
  if (defined > 0) cases.push_back({defined, parallelism, false});
  if (grouped > 0) {
    cases.push_back({grouped, parallelism, true, true});
    cases.push_back({grouped, 1, true, true});
  }
  std::printf("vdc and the raw libvirt calls it makes, on %s (tiny QEMU guests: 128 MiB, a CoW root disk, a seed)\n", kUri);
  for (const auto& c : cases) {
    fs::remove_all(work);
    writeVdc(work, guest, c.n, c.running, c.grouped, pool);
    std::string cd = "cd '" + work.string() + "' && '" + vdcBinary + "' ";
    auto warm = runTimed(cd + "apply vdc --target target.yaml --auto-approve --parallelism " +
                         std::to_string(c.parallelism), true);
    if (warm.exit != 0) fail("vdc apply failed:\n" + warm.out);
    std::ofstream(work / "capture.json") << capture(work, pool).dump();
    if (runTimed(cd + "destroy vdc --target target.yaml --auto-approve").exit != 0 || leftovers() != 0)
      fail("vdc destroy failed");
    Figures f = measure(work, self, vdcBinary, runs, c.parallelism);
    report(std::to_string(c.n) + (c.running ? " guests" : " guests defined, stopped") +
               (c.grouped ? " in a security group" : "") + " at --parallelism " + std::to_string(c.parallelism),
           f, runs);
    if (&c != &cases.front() || graceful <= 0) continue;
    // The same guests stopped gracefully: asked (ACPI), then forced off after the wait.
    std::vector<double> gracefully;
    for (int r = 0; r < runs; ++r) {
      if (runTimed(cd + "apply vdc --target target.yaml --auto-approve").exit != 0) fail("vdc apply failed");
      auto destroy = runTimed(cd + "destroy vdc --target target.yaml --auto-approve --shutdown-timeout " +
                              std::to_string(graceful) + "s --parallelism " + std::to_string(c.parallelism));
      if (destroy.exit != 0 || leftovers() != 0) fail("vdc destroy --shutdown-timeout failed");
      gracefully.push_back(destroy.seconds);
    }
    std::printf("  destroy --shutdown-timeout %ds: %.2f s (forced: %.2f s)\n", graceful, median(gracefully),
                median(f.vdcDestroy));
    std::fflush(stdout);
  }
  fs::remove_all(work);
  return 0;
}
