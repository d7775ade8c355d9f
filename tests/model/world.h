// What the model test's manifests say (tests/model_test.cc), as data its
// edits change, and the objects a datacenter holds for them.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace vdc::testing::model {

inline constexpr const char* kVdc = "model";

// The keys KeyPair/ops takes in turn, and their fingerprints as ssh-keygen -l prints them.
inline const std::pair<const char*, const char*> kKeys[] = {
    {"AAAAC3NzaC1lZDI1NTE5AAAAIHbQ1dD3uOd5nY4Xk2q0cH7Gm0a1yXrLwz8H2n0qk9fT",
     "SHA256:B+Rwvi4gGHKZC0ue1Wsu+2SbHxL5svuExsk/clSmFyU"},
    {"AAAAC3NzaC1lZDI1NTE5AAAAIC+nE6TUDs3SZ+tGmDpLB2pT3YbkSc9hophqTn1c72wp",
     "SHA256:px55jh9QoPzcoCh2P4Qel0FqHo21nQ/w8vINeHEOGws"},
    {"AAAAC3NzaC1lZDI1NTE5AAAAICZO6f2Ns72R37lJBNKsK/2yEHFC7FQBS1gO+ZCRQaKH",
     "SHA256:22zEiG/ElPxUfP9zBI31WALcVyyd+tC/ajQWNztE1JY"},
};

// What the manifests say, as data the edits change.
struct InstanceModel {
  int cpus = 1;
  bool running = true;
  bool image = true;
  int replicas = 1;
  std::vector<std::pair<std::string, std::vector<std::string>>> nics;  // network, groups
  std::vector<std::string> volumes;
  bool web = false;  // behind the load balancer
  std::string renamedFrom;  // vdc/renamed-from, the step it is renamed
  std::string kept;         // renamed: the name its objects keep ("": its own)
  bool key = false;         // names KeyPair/ops
};

struct VolumeModel {
  int gib = 1;
  std::string storageClass = "standard";
  bool fromImage = false;
  bool protect = false;
  std::string renamedFrom;
  std::string kept;
};

struct World {
  std::map<std::string, int> networks;  // name -> the third octet of its /24
  std::map<std::string, VolumeModel> volumes;
  std::map<std::string, InstanceModel> instances;
  std::string imageFormat = "qcow2";
  std::string balancerNetwork;  // "": no load balancer
  size_t key = 0;               // which of kKeys KeyPair/ops holds
  int nextName = 0;
  bool realHost = false;  // a real libvirtd, not the embedded datacenter

  std::string fresh(const std::string& prefix) { return prefix + std::to_string(nextName++); }

  static std::string metadata(const std::string& name, const std::string& renamedFrom, const std::string& more = "") {
    return "metadata: {name: " + name + (renamedFrom.empty() ? "" : ", annotations: {vdc/renamed-from: " + renamedFrom + "}") +
           more + "}\n";
  }

  std::string yaml() const {
    std::string y = std::string("apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: ") + kVdc + "}\n";
    auto doc = [&](const std::string& text) { y += "---\napiVersion: vdc/v1\n" + text; };
    // A file of each format (model/place.h makes them on a real host).
    doc("kind: Image\nmetadata: {name: base}\nspec: {source: base." + imageFormat + ", format: " + imageFormat + "}\n");
    doc(std::string("kind: KeyPair\nmetadata: {name: ops}\nspec: {publicKey: ssh-ed25519 ") + kKeys[key].first + "}\n");
    for (const char* group : {"g0", "g1"})
      doc(std::string("kind: SecurityGroup\nmetadata: {name: ") + group +
          "}\nspec: {ingress: [{protocol: tcp, ports: '22'}]}\n");
    for (const auto& [name, octet] : networks)
      doc("kind: Network\nmetadata: {name: " + name + "}\nspec: {cidr: 10.61." + std::to_string(octet) + ".0/24}\n");
    for (const auto& [name, v] : volumes)
      doc("kind: Volume\n" + metadata(name, v.renamedFrom) + "spec: {size: " + std::to_string(v.gib) +
          "GiB, storageClass: " + v.storageClass + (v.fromImage ? ", image: base" : "") +
          (v.protect ? ", protect: true" : "") + "}\n");
    for (const auto& [name, i] : instances) {
      std::string spec = "  cpus: " + std::to_string(i.cpus) + "\n  memory: 256MiB\n  state: " +
                         (i.running ? "running" : "stopped") + "\n  replicas: " + std::to_string(i.replicas) + "\n";
      if (i.image) spec += "  image: base\n";
      if (realHost) spec += "  hypervisor: qemu\n";  // a host without /dev/kvm runs it too
      if (i.key) spec += "  keyPairs: [ops]\n";
      spec += "  interfaces: [";
      for (size_t n = 0; n < i.nics.size(); ++n) {
        spec += std::string(n ? ", " : "") + "{network: " + i.nics[n].first + ", securityGroups: [";
        for (size_t g = 0; g < i.nics[n].second.size(); ++g) spec += (g ? ", " : "") + i.nics[n].second[g];
        spec += "]}";
      }
      spec += "]\n  volumes: [";
      for (size_t v = 0; v < i.volumes.size(); ++v) spec += (v ? ", " : "") + std::string("{volume: ") + i.volumes[v] + "}";
      spec += "]\n";
      doc("kind: Instance\n" + metadata(name, i.renamedFrom, i.web ? ", labels: {tier: web}" : "") + "spec:\n" + spec);
    }
    if (!balancerNetwork.empty())
      doc("kind: LoadBalancer\nmetadata: {name: front}\nspec:\n  network: " + balancerNetwork +
          "\n  listeners: [{port: 80}]\n  backends: {selector: {tier: web}}\n");
    return y;
  }

  // The objects of a volume and of an instance, as the datacenter names them.
  static std::string volumeObject(const std::string& name, const VolumeModel& v) {
    return "volume model.vol." + name + " in " + v.storageClass;
  }
  // A real host gives each machine a seed, and the appliance its own disks.
  std::vector<std::string> instanceObjects(const std::string& domain, const InstanceModel& i) const {
    std::vector<std::string> out = {"domain model." + domain};
    if (i.image) out.push_back("volume model.root." + domain + " in standard");
    if (realHost) out.push_back("volume model.seed." + domain + " in standard");
    return out;
  }

  // Each instance's domains, as the datacenter names them (without the VDC's prefix), with the instance.
  std::vector<std::pair<std::string, const InstanceModel*>> domains() const {
    std::vector<std::pair<std::string, const InstanceModel*>> out;
    for (const auto& [name, i] : instances)
      for (int r = 0; r < i.replicas; ++r)
        out.push_back({i.replicas == 1 ? (i.kept.empty() ? name : i.kept) : name + "-" + std::to_string(r), &i});
    return out;
  }

  // The domains, volumes and networks the manifests ask for, as the datacenter names them.
  std::set<std::string> expected() const {
    std::set<std::string> out = {"network model._vdc", "volume model.img.base"};
    for (const auto& [name, octet] : networks) out.insert("network model." + name);
    for (const auto& [name, v] : volumes) out.insert(volumeObject(v.kept.empty() ? name : v.kept, v));
    for (const auto& [domain, i] : domains())
      for (const auto& object : instanceObjects(domain, *i)) out.insert(object);
    if (!balancerNetwork.empty()) out.insert("domain model.lb.front");
    if (!balancerNetwork.empty() && realHost)
      out.insert({"volume model.root.lb.front in standard", "volume model.seed.lb.front in standard"});
    return out;
  }

  // A renamed object made anew since (replaced, its replicas changed) has
  // its own name: `seen` says which, as long as exactly one of them is
  // there. Not in the step that renames it: a rename keeps the name.
  void settle(const std::set<std::string>& seen) {
    for (auto& [name, v] : volumes)
      if (!v.kept.empty() && v.renamedFrom.empty() && !seen.count(volumeObject(v.kept, v)) &&
          seen.count(volumeObject(name, v)))
        v.kept.clear();
    for (auto& [name, i] : instances)
      if (!i.kept.empty() && i.renamedFrom.empty() && !seen.count("domain model." + i.kept) &&
          seen.count("domain model." + name))
        i.kept.clear();
  }

  // The objects of renamed resources under the names they keep -> under
  // their own: what a renamed resource made anew has.
  std::map<std::string, std::string> ownNames() const {
    std::map<std::string, std::string> out;
    for (const auto& [name, v] : volumes)
      if (!v.kept.empty()) out[volumeObject(v.kept, v)] = volumeObject(name, v);
    for (const auto& [name, i] : instances)
      if (!i.kept.empty())
        for (size_t k = 0; k < instanceObjects(name, i).size(); ++k)
          out[instanceObjects(i.kept, i)[k]] = instanceObjects(name, i)[k];
    return out;
  }

  // The annotations of the step before: done, they say nothing more.
  void renamed() {
    for (auto& [name, v] : volumes) v.renamedFrom.clear();
    for (auto& [name, i] : instances) i.renamedFrom.clear();
  }

  bool attached(const std::string& volume) const {
    for (const auto& [name, i] : instances)
      if (std::find(i.volumes.begin(), i.volumes.end(), volume) != i.volumes.end()) return true;
    return false;
  }
  bool hasWeb() const {
    for (const auto& [name, i] : instances)
      if (i.web) return true;
    return false;
  }
};

}  // namespace vdc::testing::model
