// Where the model test's sequences run (tests/model_test.cc): the embedded
// datacenter, a file in the sequence's directory, or a real libvirtd
// (VDC_MODEL_URI), with a storage pool per storage class. Either is read
// and damaged as a person would, without vdc: the file by editing it, the
// real host through virsh. Both read as one libvirt node document, which
// the checker (checker.h) takes as it is.
#pragma once

#include <filesystem>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli_support.h"
#include "tests/model/checker.h"

namespace vdc::testing::model {

class Place {
 public:
  // "" is the embedded datacenter; `appliance` a raw or qcow2 image a real
  // host's load balancer boots (it need not run: nothing waits on it).
  explicit Place(std::string uri) : uri_(std::move(uri)) {}

  bool real() const { return !uri_.empty(); }
  const std::string& uri() const { return uri_; }

  // The Target file, relative to the sequence's directory; none: the embedded datacenter.
  std::optional<std::string> target() const {
    if (!real()) return std::nullopt;
    return "target.yaml";
  }

  // Readies the current directory for a sequence from an empty datacenter:
  // on a real host, its pools, its image and its Target, and nothing of the
  // model's VDC left from before.
  void begin() {
    if (!real()) return;
    for (const char* storageClass : kClasses) {
      std::string pool = poolOf(storageClass);
      if (virsh("pool-info " + pool).exit != 0) {
        std::filesystem::create_directories("/var/lib/vdc/pools/" + pool);
        expect(virsh("pool-define-as " + pool + " dir --target /var/lib/vdc/pools/" + pool), "define pool " + pool);
      }
      if (virsh("pool-info " + pool).out.find("running") == std::string::npos)
        expect(virsh("pool-start " + pool), "start pool " + pool);
    }
    wipe();
    // Empty disks: the Image's in each format it takes in turn, and the appliance's.
    std::filesystem::create_directories("vdc");
    expect(run("qemu-img create -q -f qcow2 vdc/base.qcow2 64M && qemu-img create -q -f raw vdc/base.raw 64M && "
               "qemu-img create -q -f qcow2 appliance.qcow2 64M"),
           "make the images");
    std::string target = "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: model}\nspec:\n  hosts:\n    - uri: " + uri_ +
                         "\n  storageClasses:\n";
    for (const char* storageClass : kClasses)
      target += std::string("    ") + storageClass + ": {pool: " + poolOf(storageClass) + "}\n";
    target += "  appliances:\n    loadBalancer: {source: " + (std::filesystem::current_path() / "appliance.qcow2").string() +
              ", format: qcow2, hypervisor: qemu}\n";
    writeFile(std::filesystem::current_path() / "target.yaml", target);
  }

  // Everything of the model's VDC on a real host goes, as a person would remove it.
  void wipe() {
    if (!real()) return;
    std::string v = "virsh -q -c " + uri_ + " ";
    std::string script =
        "for d in $(" + v + "list --all --name | grep '^model\\.'); do " + v + "destroy $d; " + v + "undefine $d; done; " +
        "for n in $(" + v + "net-list --all --name | grep '^model\\.'); do " + v + "net-destroy $n; " + v +
        "net-undefine $n; done; " + "for f in $(" + v + "nwfilter-list | awk '{print $2}' | grep '^model\\.'); do " + v +
        "nwfilter-undefine $f; done; ";
    for (const char* storageClass : kClasses)
      script += "for x in $(" + v + "vol-list --pool " + poolOf(storageClass) + " | awk '{print $1}' | grep '^model\\.'); do " +
                v + "vol-delete --pool " + poolOf(storageClass) + " $x; done; ";
    run(script + "true");
  }

  // The datacenter as a node document: the embedded one's file, or what a
  // real host's virsh shows of the model's VDC (its pools by storage class).
  std::string snapshot() const {
    if (!real()) return readFile(".vdc/sim.xml");
    std::string node = "<node>\n";
    std::string dumps;
    // The VDC's lock (host_lock.h) is a network while an apply holds it: no object of the VDC.
    for (const auto& name : modelNames("net-list --all --name"))
      if (name != "model._lock") dumps += "net-dumpxml --inactive " + name + "; ";
    if (!dumps.empty()) node += virsh(dumps).out;
    for (const char* storageClass : kClasses) {
      std::string pool = poolOf(storageClass), volumes;
      for (const auto& name : modelNames("vol-list --pool " + pool)) volumes += "vol-dumpxml --pool " + pool + " " + name + "; ";
      node += std::string("<pool type='dir'><name>") + storageClass + "</name>\n" +
              (volumes.empty() ? "" : virsh(volumes).out) + "</pool>\n";
    }
    dumps.clear();
    for (const auto& name : modelNames("list --all --name")) dumps += "dumpxml --inactive " + name + "; ";
    if (!dumps.empty()) node += virsh(dumps).out;
    for (const char* storageClass : kClasses)
      node = std::regex_replace(node, std::regex("pool='" + poolOf(storageClass) + "'"),
                                std::string("pool='") + storageClass + "'");
    return node + "</node>\n";
  }

  // Whether two snapshots show the same datacenter: a real host's volumes
  // carry their access times and allocation, which a read may move.
  bool same(std::string a, std::string b) const {
    if (!real()) return a == b;
    std::regex moving("<timestamps>[\\s\\S]*?</timestamps>|<allocation[^>]*>[^<]*</allocation>");
    return std::regex_replace(a, moving, "") == std::regex_replace(b, moving, "");
  }

  // Deletes one of the VDC's objects of `tag` ("domain", "network" or
  // "volume"), chosen by `rng`, as a person would; what it did, or "nothing".
  std::string deleteByHand(std::mt19937& rng, const std::string& tag) {
    std::string xml = snapshot();
    std::vector<std::string> names;
    for (const auto& n : all(xml, std::regex("<" + tag + "[ >][\\s\\S]*?<name>(model\\.[^<]*)</name>")))
      if (n != "model._vdc" && n != "model._lock" && !n.starts_with("model.img.")) names.push_back(n);
    if (names.empty()) return "nothing";
    std::sort(names.begin(), names.end());  // listed in the order of parallel creates, which varies
    std::string victim = names[std::uniform_int_distribution<size_t>(0, names.size() - 1)(rng)];
    if (!real()) {
      size_t at = xml.find("<name>" + victim + "</name>");
      size_t begin = xml.rfind("<" + tag, at), end = xml.find("</" + tag + ">", at) + tag.size() + 3;
      writeFile(".vdc/sim.xml", xml.erase(begin, end - begin));
    } else if (tag == "domain") {
      virsh("destroy " + victim);  // stopped first: a running one would only become transient
      expect(virsh("undefine " + victim), "undefine " + victim);
    } else if (tag == "network") {
      virsh("net-destroy " + victim);
      expect(virsh("net-undefine " + victim), "undefine network " + victim);
    } else {
      std::string pool;
      for (const auto& object : check(xml).objects)
        if (object.starts_with("volume " + victim + " in ")) pool = poolOf(object.substr(object.rfind(' ') + 1));
      expect(virsh("vol-delete --pool " + pool + " " + victim), "delete volume " + victim);
    }
    return "by hand: " + tag + " " + victim + " deleted";
  }

 private:
  static constexpr const char* kClasses[] = {"standard", "fast"};
  static std::string poolOf(const std::string& storageClass) { return "vdc-model-" + storageClass; }

  static Result run(const std::string& command) { return shell(std::filesystem::current_path(), command); }
  Result virsh(const std::string& commands) const { return run("virsh -q -c " + uri_ + " '" + commands + "'"); }

  // The model's objects a listing names (its first column).
  std::vector<std::string> modelNames(const std::string& listing) const {
    std::vector<std::string> names;
    std::istringstream lines(virsh(listing).out);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::string first;
      words >> first;
      if (first.starts_with("model.")) names.push_back(first);
    }
    return names;
  }

  static void expect(const Result& result, const std::string& what) {
    if (result.exit != 0) throw std::runtime_error("cannot " + what + ": " + result.err);
  }

  std::string uri_;
};

}  // namespace vdc::testing::model
