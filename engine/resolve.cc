#include "engine/resolve.h"

#include <algorithm>
#include <map>
#include <set>

#include "engine/hash.h"
#include "engine/parallel.h"
#include "engine/text.h"
#include "engine/units.h"

namespace vdc {

namespace {

std::string replicaName(const std::string& name, long index, long replicas) {
  return replicas == 1 ? name : name + "-" + std::to_string(index);
}

std::string adoption(const Manifest& m) {
  const Json& name = m.annotations.contains(kAdoptAnnotation) ? m.annotations[kAdoptAnnotation] : Json();
  return name.is_string() ? name.get<std::string>() : "";
}

class Resolver {
 public:
  Resolver(std::vector<Manifest>& manifests, Diagnostics& diags, bool complete, const ExpansionLimits& limits)
      : manifests_(manifests), diags_(diags), complete_(complete), limits_(limits) {}

  Vdc run() {
    indexNames();
    checkVdc();
    for (const auto& m : manifests_) {
      checkMentions(m);
      checkKind(m);
    }
    checkAttachments();
    checkExpansion();
    return expand();
  }

 private:
  void indexNames() {
    for (auto& m : manifests_) {
      auto [it, inserted] = byId_.emplace(m.id, &m);
      if (!inserted)
        diags_.add(m.where, "duplicate " + std::string(kindName(m.id.kind)) + " '" + m.id.name +
                                "' (first defined at " + it->second->where.str() + ")");
      namesByKind_[m.id.kind].push_back(m.id.name);
    }
    // Replicas take names of their own; they must not clash with anything.
    struct Maker {
      const Manifest* manifest;
      long replicas;
    };
    auto describe = [](const Maker& m) {
      return (m.replicas == 1 ? "Instance '" + m.manifest->id.name + "'"
                              : "the replicas of Instance '" + m.manifest->id.name + "'") +
             " at " + m.manifest->where.str();
    };
    std::map<std::string, Maker> instanceNames;
    for (const auto& m : manifests_) {
      if (m.id.kind != Kind::Instance) continue;
      long replicas = m.spec.value("replicas", 1L);
      for (long i = 0; i < replicas; ++i) {
        std::string name = replicaName(m.id.name, i, replicas);
        if (name.size() > 63) {
          diags_.add(m.where, "replica name '" + name + "' is longer than 63 characters");
          break;
        }
        auto [it, inserted] = instanceNames.emplace(name, Maker{&m, replicas});
        if (!inserted && it->second.manifest != &m && it->second.manifest->id != m.id)
          diags_.add(m.where, "instance name '" + name + "' is made twice: by " + describe(it->second) +
                                  " and by " + describe({&m, replicas}));
      }
    }
  }

  void checkVdc() {
    std::vector<const Manifest*> vdcs;
    for (const auto& m : manifests_)
      if (m.id.kind == Kind::VirtualDataCenter) vdcs.push_back(&m);
    if (vdcs.empty() && complete_ && !manifests_.empty()) {
      diags_.add(firstFile(), "no VirtualDataCenter document: a VDC directory needs exactly one");
    }
    for (size_t i = 1; i < vdcs.size(); ++i)
      diags_.add(vdcs[i]->where, "a second VirtualDataCenter '" + vdcs[i]->id.name +
                                     "' (the directory already has '" + vdcs[0]->id.name + "' at " +
                                     vdcs[0]->where.str() + ")");
  }

  Location firstFile() const {
    return manifests_.empty() ? Location{} : Location{manifests_.front().where.file};
  }

  const Manifest* lookup(Kind kind, const std::string& name) const {
    auto it = byId_.find(ResourceId{kind, name});
    return it == byId_.end() ? nullptr : it->second;
  }

  void missing(const Mention& mention, Kind kind, const std::string& name) {
    std::string message = std::string(kindName(kind)) + " '" + name + "' referenced by " +
                          mention.path + " does not exist";
    auto it = namesByKind_.find(kind);
    if (it != namesByKind_.end())
      if (auto guess = closestMatch(name, it->second)) message += " (did you mean '" + *guess + "'?)";
    diags_.add(mention.where, message);
  }

  void checkMentions(const Manifest& m) {
    for (const auto& mention : m.mentions) {
      switch (mention.type) {
        case FieldType::Ref:
        case FieldType::RefList:
          if (!lookup(mention.refKind, mention.value)) missing(mention, mention.refKind, mention.value);
          break;
        case FieldType::Peer:
          if (!Cidr::parse(mention.value)) {
            if (!isDnsLabel(mention.value))
              diags_.add(mention.where, "'" + mention.value + "' in " + mention.path +
                                            " is neither a CIDR nor a SecurityGroup name");
            else if (!lookup(Kind::SecurityGroup, mention.value))
              missing(mention, Kind::SecurityGroup, mention.value);
          }
          break;
        case FieldType::DependsOn: {
          auto id = ResourceId::parse(mention.value);
          if (!id)
            diags_.add(mention.where, "dependsOn entry '" + mention.value +
                                          "' must be Kind/name, e.g. Instance/db");
          else if (!lookup(id->kind, id->name))
            missing(mention, id->kind, id->name);
          else if (*id == m.id)
            diags_.add(mention.where, m.id.str() + " depends on itself");
          break;
        }
        default:
          break;
      }
    }
  }

  void checkKind(const Manifest& m) {
    if (m.id.kind == Kind::Network) checkNetwork(m);
    if (m.id.kind == Kind::Instance) checkInstance(m);
    if (m.annotations.contains(kAdoptAnnotation)) checkAdoption(m);
    if (m.id.kind == Kind::SecurityGroup) checkSecurityGroup(m);
    if (m.id.kind == Kind::Image) checkImage(m);
    if (m.id.kind == Kind::KeyPair) checkKeyPair(m);
    if (m.id.kind == Kind::LoadBalancer) checkLoadBalancer(m);
    if (m.id.kind == Kind::Volume && m.spec.contains("storageClass") &&
        !isDnsLabel(m.spec["storageClass"].get<std::string>()))
      diags_.add(m.where, "storageClass '" + m.spec["storageClass"].get<std::string>() +
                              "' is not a valid name");
  }

  Location mentionAt(const Manifest& m, const std::string& path) const {
    for (const auto& mention : m.mentions)
      if (mention.path == path) return mention.where;
    return m.where;
  }

  void checkNetwork(const Manifest& m) {
    auto cidr = Cidr::parse(m.spec.value("cidr", ""));
    if (!cidr) return;
    if (cidr->prefix > 30) diags_.add(m.where, "network " + cidr->str() + " is too small (at most /30)");
    if (cidr->prefix < 8) diags_.add(m.where, "network " + cidr->str() + " is too large (at least /8)");
    // Two networks of one VDC on the same addresses would route to either.
    for (const auto& [other, where] : cidrs_)
      if (cidr->contains(other.base) || other.contains(cidr->base))
        diags_.add(m.where, "network " + cidr->str() + " overlaps " + other.str() + " (at " + where.str() + ")");
    cidrs_.push_back({*cidr, m.where});
    if (m.spec.contains("gateway")) {
      auto gw = Ipv4::parse(m.spec["gateway"].get<std::string>());
      if (gw && !hostOf(*cidr, *gw))
        diags_.add(mentionAt(m, "spec.gateway"),
                   "gateway " + gw->str() + " is not a host address of " + cidr->str());
    }
  }

  static bool hostOf(const Cidr& cidr, Ipv4 ip) {
    return cidr.contains(ip) && ip.value >= cidr.firstHost().value && ip.value <= cidr.lastHost().value;
  }

  void checkInstance(const Manifest& m) {
    long replicas = m.spec.value("replicas", 1L);
    // What libvirt takes and a guest can boot with: whole MiB, 16 MiB to 16 TiB.
    if (auto memory = parseSize(m.spec.value("memory", "512MiB"))) {
      constexpr uint64_t MiB = 1 << 20;
      if (*memory % MiB != 0 || *memory < 16 * MiB || *memory > (16ull << 40))
        diags_.add(mentionAt(m, "spec.memory"), "memory " + formatSize(*memory) +
                                                    " is not whole MiB from 16MiB to 16TiB, which a guest needs");
    }
    const Json& interfaces = member(m.spec, "interfaces");
    for (size_t i = 0; i < interfaces.size(); ++i) {
      const auto& nic = interfaces[i];
      if (!nic.contains("ip")) continue;
      std::string path = "spec.interfaces[" + std::to_string(i) + "].ip";
      Location where = mentionAt(m, path);
      std::string ipText = nic["ip"].get<std::string>();
      if (replicas != 1) {
        diags_.add(where, "a fixed ip needs replicas: 1 (Instance '" + m.id.name + "' has replicas: " +
                              std::to_string(replicas) + ")");
        continue;
      }
      const Manifest* net = lookup(Kind::Network, nic.value("network", ""));
      if (!net) continue;
      auto cidr = Cidr::parse(net->spec.value("cidr", ""));
      auto ip = Ipv4::parse(ipText);
      if (!cidr || !ip) continue;
      if (!hostOf(*cidr, *ip)) {
        diags_.add(where, "ip " + ipText + " is outside network '" + net->id.name + "' (" + cidr->str() + ")");
        continue;
      }
      std::string gateway = net->spec.contains("gateway") ? net->spec["gateway"].get<std::string>()
                                                           : cidr->firstHost().str();
      if (ipText == gateway) {
        diags_.add(where, "ip " + ipText + " is the gateway of network '" + net->id.name + "'");
        continue;
      }
      auto [it, inserted] = usedIps_.emplace(net->id.name + "/" + ipText, where);
      if (!inserted)
        diags_.add(where, "ip " + ipText + " on network '" + net->id.name + "' is already used at " +
                              it->second.str());
    }
    const Json& volumes = member(m.spec, "volumes");
    for (size_t i = 0; i < volumes.size(); ++i) {
      std::string volume = volumes[i].value("volume", "");
      Location where = mentionAt(m, "spec.volumes[" + std::to_string(i) + "].volume");
      if (replicas > 1) {
        diags_.add(where, "Volume '" + volume + "' would be attached to all " + std::to_string(replicas) +
                              " replicas of Instance '" + m.id.name + "': a volume attaches to one instance");
        continue;
      }
      attachments_[volume].push_back(where);
    }
    if (m.spec.value("hypervisor", "kvm") == "lxc") checkContainer(m);
  }

  // Adoption takes one existing object as one resource (docs/adoption.md).
  void checkAdoption(const Manifest& m) {
    Location where = mentionAt(m, "metadata.annotations");
    std::string what = std::string(kindName(m.id.kind)) + " '" + m.id.name + "'";
    if (m.id.kind != Kind::Network && m.id.kind != Kind::Volume && m.id.kind != Kind::Instance)
      diags_.add(where, what + ": only a Network, Volume or Instance can adopt an object (" + kAdoptAnnotation + ")");
    else if (m.annotations[kAdoptAnnotation].get<std::string>().empty())
      diags_.add(where, what + ": " + kAdoptAnnotation + " names no object");
    else if (m.id.kind == Kind::Instance && m.spec.value("replicas", 1L) != 1)
      diags_.add(where, what + " adopts one domain and so needs replicas: 1");
  }

  // A container boots no firmware and sees no block devices: libvirt mounts
  // its image, which must be a file system in a raw file, as its root.
  void checkContainer(const Manifest& m) {
    std::string instance = "Instance '" + m.id.name + "'";
    if (!m.spec.contains("image")) {
      diags_.add(mentionAt(m, "spec.hypervisor"),
                 instance + " has hypervisor lxc but no image: a container's image is its root file system");
    } else if (const Manifest* image = lookup(Kind::Image, m.spec["image"].get<std::string>());
               image && image->spec.value("format", "qcow2") != "raw") {
      diags_.add(mentionAt(m, "spec.image"), instance + " has hypervisor lxc, which needs a raw image holding a file "
                                             "system; Image '" + image->id.name + "' is " +
                                             image->spec.value("format", "qcow2"));
    }
    if (!member(m.spec, "volumes").empty())
      diags_.add(mentionAt(m, "spec.volumes[0].volume"),
                 instance + " has hypervisor lxc: a container takes no volumes (they are block devices)");
  }

  void checkAttachments() {
    for (const auto& [volume, places] : attachments_)
      for (size_t i = 1; i < places.size(); ++i)
        diags_.add(places[i], "Volume '" + volume + "' is attached twice (also at " + places[0].str() + ")");
  }

  // Refuse what no datacenter would want before it is built.
  void checkExpansion() {
    size_t instances = 0, replicated = 0, edges = 0;
    for (const auto& m : manifests_) {
      if (m.id.kind != Kind::Instance) continue;
      size_t replicas = static_cast<size_t>(replicaCount(m.id.name));
      instances += replicas;
      replicated += replicas > 1 ? replicas - 1 : 0;
      if (replicated > limits_.replicated) {
        diags_.add(m.where, "replicas make more than " + std::to_string(limits_.replicated) +
                                " instances in this VDC: write large fleets out, or split the VDC");
        expandable_ = false;
        return;
      }
      for (const auto& entry : member(m.spec, "dependsOn")) {
        auto id = ResourceId::parse(entry.is_string() ? entry.get<std::string>() : "");
        if (id) edges += replicas * (id->kind == Kind::Instance ? static_cast<size_t>(replicaCount(id->name)) : 1);
      }
      if (instances > limits_.instances) {
        diags_.add(m.where, "the VDC expands to more than " + std::to_string(limits_.instances) + " instances");
        expandable_ = false;
        return;
      }
      if (edges > limits_.dependsOnEdges) {
        diags_.add(m.where, "dependsOn expands to more than " + std::to_string(limits_.dependsOnEdges) +
                                " ordering edges: depend on fewer replicas");
        expandable_ = false;
        return;
      }
    }
  }

  void checkSecurityGroup(const Manifest& m) {
    for (const char* direction : {"ingress", "egress"}) {
      const Json& rules = member(m.spec, direction);
      for (size_t i = 0; i < rules.size(); ++i) {
        std::string protocol = rules[i].value("protocol", "any");
        if (rules[i].contains("ports") && protocol != "tcp" && protocol != "udp")
          diags_.add(mentionAt(m, std::string("spec.") + direction + "[" + std::to_string(i) + "]." +
                                      (std::string(direction) == "ingress" ? "from" : "to")),
                     std::string("spec.") + direction + "[" + std::to_string(i) +
                         "]: ports are only allowed for tcp and udp, not " + protocol);
      }
    }
  }

  void checkImage(const Manifest& m) {
    std::string source = m.spec.value("source", "");
    auto scheme = source.find("://");
    if (scheme != std::string::npos) {
      std::string s = source.substr(0, scheme);
      if (s != "file" && s != "http" && s != "https")
        diags_.add(m.where, "Image source '" + withoutUserInfo(source) + "' must be a path or a file://, http:// or https:// URL");
      // A secret in a manifest would be shown in plans and stored in records on the target.
      if (!userInfo(source).empty())
        diags_.add(m.where, "Image source '" + withoutUserInfo(source) +
                                "' carries a user name or password in its URL, which vdc would show and store: "
                                "serve the image without them");
    }
    if (m.spec.contains("sha256")) {
      std::string digest = m.spec["sha256"].get<std::string>();
      if (digest.size() != 64 || digest.find_first_not_of("0123456789abcdef") != std::string::npos)
        diags_.add(m.where, "sha256 must be 64 lowercase hexadecimal digits");
    }
  }

  void checkKeyPair(const Manifest& m) {
    std::string key = m.spec.value("publicKey", "");
    bool known = key.starts_with("ssh-") || key.starts_with("ecdsa-") || key.starts_with("sk-");
    if (!known || key.find(' ') == std::string::npos)
      diags_.add(m.where, "publicKey of KeyPair '" + m.id.name +
                              "' is not an OpenSSH public key line (\"ssh-ed25519 AAAA... comment\")");
  }

  void checkLoadBalancer(const Manifest& m) {
    const Json& listeners = member(m.spec, "listeners");
    if (listeners.is_array() && listeners.empty())
      diags_.add(m.where, "LoadBalancer '" + m.id.name + "' needs at least one listener");
    std::set<long> ports;
    for (const auto& l : listeners) {
      if (!ports.insert(l.value("port", 0L)).second)
        diags_.add(m.where, "LoadBalancer '" + m.id.name + "' listens twice on port " +
                                std::to_string(l.value("port", 0L)));
      if (l.value("protocol", "tcp") != "https" && l.contains("certificate"))
        diags_.add(m.where, "a certificate is only used by https listeners");
    }
    if (member(member(m.spec, "backends"), "selector").empty())
      diags_.add(m.where, "LoadBalancer '" + m.id.name + "' has an empty backends.selector");
  }

  // Build the resources: one per manifest, one per replica, with defaults
  // that depend on other documents filled in.
  Vdc expand() {
    Vdc vdc;
    if (!expandable_) return vdc;
    for (auto& m : manifests_) {
      if (m.id.kind == Kind::VirtualDataCenter && vdc.name.empty()) vdc.name = m.id.name;
      if (m.id.kind == Kind::Network && !m.spec.contains("gateway")) {
        if (auto cidr = Cidr::parse(m.spec.value("cidr", ""))) m.spec["gateway"] = cidr->firstHost().str();
      }
      if (m.id.kind == Kind::LoadBalancer) {
        for (auto& l : m.spec["listeners"])
          if (!l.contains("backendPort")) l["backendPort"] = l.value("port", 0L);
      }
      if (m.id.kind != Kind::Instance) {
        vdc.resources.push_back(Resource{m.id, std::move(m.spec), std::move(m.labels), adoption(m), m.where});
        continue;
      }
      long replicas = m.spec.value("replicas", 1L);
      m.spec.erase("replicas");
      for (long i = 0; i < replicas; ++i) {
        Json labels = m.labels;
        if (replicas != 1) labels["vdc.replica-of"] = m.id.name;
        vdc.resources.push_back(
            Resource{{Kind::Instance, replicaName(m.id.name, i, replicas)}, m.spec, std::move(labels), adoption(m), m.where});
      }
    }
    selectBackends(vdc);
    std::sort(vdc.resources.begin(), vdc.resources.end(),
              [](const Resource& a, const Resource& b) { return a.id < b.id; });
    parallelFor(vdc.resources.size(), [&](size_t i) {
      Resource& r = vdc.resources[i];
      r.dependencies = specReferences(r.id.kind, r.spec);
      addDependsOn(r);
      r.specHash = canonicalHash(r.spec);
    });
    vdc.index();
    return vdc;
  }

  void selectBackends(Vdc& vdc) {
    for (auto& lb : vdc.resources) {
      if (lb.id.kind != Kind::LoadBalancer) continue;
      Json selector = member(member(lb.spec, "backends"), "selector");
      if (!selector.is_object()) continue;
      Json members = Json::array();
      for (const auto& r : vdc.resources) {
        if (r.id.kind != Kind::Instance) continue;
        bool match = std::all_of(selector.items().begin(), selector.items().end(), [&](const auto& item) {
          return r.labels.contains(item.key()) && r.labels[item.key()] == item.value();
        });
        if (match) members.push_back(r.id.name);
      }
      std::sort(members.begin(), members.end());
      lb.spec["backends"]["members"] = members;
    }
  }

  // dependsOn names manifests; an Instance with replicas stands for all of them.
  void addDependsOn(Resource& r) {
    if (!r.spec.contains("dependsOn")) return;
    for (const auto& entry : member(r.spec, "dependsOn")) {
      auto id = ResourceId::parse(entry.get<std::string>());
      if (!id) continue;
      if (!lookup(id->kind, id->name)) continue;
      long replicas = id->kind == Kind::Instance ? replicaCount(id->name) : 1;
      for (long i = 0; i < replicas; ++i)
        r.dependencies.push_back({id->kind, replicaName(id->name, i, replicas)});
    }
    std::sort(r.dependencies.begin(), r.dependencies.end());
    r.dependencies.erase(std::unique(r.dependencies.begin(), r.dependencies.end()), r.dependencies.end());
  }

  long replicaCount(const std::string& name) {
    auto it = replicaCounts_.find(name);
    return it == replicaCounts_.end() ? 1 : it->second;
  }

 public:
  void rememberReplicaCounts() {
    for (const auto& m : manifests_)
      if (m.id.kind == Kind::Instance) replicaCounts_[m.id.name] = m.spec.value("replicas", 1L);
  }

 private:
  std::vector<Manifest>& manifests_;
  Diagnostics& diags_;
  std::map<ResourceId, const Manifest*> byId_;
  std::map<Kind, std::vector<std::string>> namesByKind_;
  std::map<std::string, Location> usedIps_;
  std::map<std::string, std::vector<Location>> attachments_;
  std::map<std::string, long> replicaCounts_;
  bool complete_;
  ExpansionLimits limits_;
  std::vector<std::pair<Cidr, Location>> cidrs_;  // the networks seen so far
  bool expandable_ = true;
};

}  // namespace

std::vector<ResourceId> specReferences(Kind kind, const Json& spec) {
  std::vector<ResourceId> refs;
  auto add = [&](Kind k, const Json& name) {
    if (name.is_string()) refs.push_back({k, name.get<std::string>()});
  };
  switch (kind) {
    case Kind::Volume:
      if (spec.contains("image")) add(Kind::Image, spec["image"]);
      break;
    case Kind::Instance:
      if (spec.contains("image")) add(Kind::Image, spec["image"]);
      for (const auto& nic : member(spec, "interfaces")) {
        add(Kind::Network, member(nic, "network"));
        for (const auto& sg : member(nic, "securityGroups")) add(Kind::SecurityGroup, sg);
      }
      for (const auto& v : member(spec, "volumes")) add(Kind::Volume, member(v, "volume"));
      for (const auto& k : member(spec, "keyPairs")) add(Kind::KeyPair, k);
      break;
    case Kind::LoadBalancer:
      add(Kind::Network, member(spec, "network"));
      for (const auto& name : member(member(spec, "backends"), "members")) add(Kind::Instance, name);
      break;
    default:
      // SecurityGroup rules may name each other (web <-> app); that is
      // membership, not creation order, so it adds no edge.
      break;
  }
  std::sort(refs.begin(), refs.end());
  refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
  return refs;
}

Vdc resolve(std::vector<Manifest> manifests, Diagnostics& diags, bool complete, const ExpansionLimits& limits) {
  Resolver resolver(manifests, diags, complete, limits);
  resolver.rememberReplicaCounts();
  return resolver.run();
}

}  // namespace vdc
