#include "engine/resolve.h"

#include <algorithm>
#include <map>
#include <set>

#include "engine/hash.h"
#include "engine/kinds/instance.h"
#include "engine/kinds/key_pair.h"
#include "engine/kinds/kind_rules.h"
#include "engine/parallel.h"
#include "engine/rename.h"
#include "base/text.h"
#include "engine/units.h"

namespace vdc {

namespace {

std::string replicaName(const std::string& name, long index, long replicas) {
  return replicas == 1 ? name : name + "-" + std::to_string(index);
}

std::string annotation(const Manifest& m, const char* key) {
  const Json& value = m.annotations.contains(key) ? m.annotations[key] : Json();
  return value.is_string() ? value.get<std::string>() : "";
}

std::string adoption(const Manifest& m) { return annotation(m, kAdoptAnnotation); }

// "Network, Volume or Instance": the kinds that may adopt an object.
std::string adoptableKinds() {
  std::vector<std::string> names;
  for (Kind kind : kAllKinds)
    if (isAdoptable(kind)) names.emplace_back(kindName(kind));
  std::string text;
  for (size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return text;
}

class Resolver : public Checks {
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
      long replicas = InstanceSpec(m.spec).replicas();
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

  const Manifest* lookup(Kind kind, const std::string& name) const override {
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
    if (auto check = rulesOf(m.id.kind).check) check(m, *this);
    if (m.annotations.contains(kAdoptAnnotation)) checkAdoption(m);
    if (m.annotations.contains(kRenamedFromAnnotation)) checkRename(m);
  }

  void problem(Location where, std::string message) override { diags_.add(std::move(where), std::move(message)); }

  Location mentionAt(const Manifest& m, const std::string& path) const override {
    for (const auto& mention : m.mentions)
      if (mention.path == path) return mention.where;
    return m.where;
  }

  // Adoption takes one existing object as one resource (docs/adoption.md).
  void checkAdoption(const Manifest& m) {
    Location where = mentionAt(m, "metadata.annotations");
    std::string what = std::string(kindName(m.id.kind)) + " '" + m.id.name + "'";
    if (!isAdoptable(m.id.kind))
      diags_.add(where, what + ": only a " + adoptableKinds() + " can adopt an object (" + kAdoptAnnotation + ")");
    else if (m.annotations[kAdoptAnnotation].get<std::string>().empty())
      diags_.add(where, what + ": " + kAdoptAnnotation + " names no object");
    else if (m.id.kind == Kind::Instance && InstanceSpec(m.spec).replicas() != 1)
      diags_.add(where, what + " adopts one domain and so needs replicas: 1");
  }

  // A rename takes over the object of the old name (engine/rename.h), which
  // must be no resource of its own any more.
  void checkRename(const Manifest& m) {
    Location where = mentionAt(m, "metadata.annotations");
    std::string what = m.id.str() + " (" + kRenamedFromAnnotation + ")";
    std::string old = annotation(m, kRenamedFromAnnotation);
    if (!isRenamable(m.id.kind)) {
      diags_.add(where, what + ": only an Instance or a Volume keeps its object through a rename; a " +
                            std::string(kindName(m.id.kind)) +
                            " holds no data, and renamed it is made anew: drop the annotation");
    } else if (!isDnsLabel(old)) {
      diags_.add(where, what + ": '" + printable(old) + "' is no resource name");
    } else if (old == m.id.name) {
      diags_.add(where, what + ": it names the resource itself");
    } else if (m.annotations.contains(kAdoptAnnotation)) {
      diags_.add(where, what + ": a resource adopts an object or is renamed, not both");
    } else if (const Manifest* still = lookup(m.id.kind, old)) {
      diags_.add(where, what + ": " + ResourceId{m.id.kind, old}.str() + " is still in the manifests (at " +
                            still->where.str() + "); a rename takes its object over, so it must be gone");
    } else if (auto [it, fresh] = renamedFrom_.try_emplace({m.id.kind, old}, m.where); !fresh) {
      diags_.add(where, what + ": " + ResourceId{m.id.kind, old}.str() + " is renamed at " + it->second.str() +
                            " too; one resource takes its object");
    }
  }

  void checkAttachments() {
    for (const auto& [volume, places] : attachments)
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

  // Build the resources: one per manifest, one per replica, with defaults
  // that depend on other documents filled in.
  Vdc expand() {
    Vdc vdc;
    if (!expandable_) return vdc;
    std::map<std::string, std::string> fingerprints = keyFingerprints();
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
        vdc.resources.push_back(
            Resource{m.id, std::move(m.spec), std::move(m.labels), adoption(m), renamedFrom(m, 0, 1), m.where});
        continue;
      }
      // An adopted machine has no seed of vdc's: its keys are its own.
      if (adoption(m).empty()) carryKeyFingerprints(m.spec, fingerprints);
      long replicas = InstanceSpec(m.spec).replicas();
      m.spec.erase("replicas");
      for (long i = 0; i < replicas; ++i) {
        Json labels = m.labels;
        if (replicas != 1) labels["vdc.replica-of"] = m.id.name;
        vdc.resources.push_back(Resource{{Kind::Instance, replicaName(m.id.name, i, replicas)}, m.spec,
                                         std::move(labels), adoption(m), renamedFrom(m, i, replicas), m.where});
      }
    }
    selectBackends(vdc);
    std::sort(vdc.resources.begin(), vdc.resources.end(),
              [](const Resource& a, const Resource& b) { return a.id < b.id; });
    protect(vdc);
    parallelFor(vdc.resources.size(), [&](size_t i) {
      Resource& r = vdc.resources[i];
      r.dependencies = specReferences(r.id.kind, r.spec);
      addDependsOn(r);
      r.specHash = canonicalHash(r.spec);
    });
    vdc.index();
    return vdc;
  }

  // KeyPair name -> the fingerprint of its key.
  std::map<std::string, std::string> keyFingerprints() const {
    std::map<std::string, std::string> fingerprints;
    for (const auto& m : manifests_)
      if (m.id.kind == Kind::KeyPair) fingerprints[m.id.name] = keyFingerprint(m.spec.value("publicKey", ""));
    return fingerprints;
  }

  // The guest reads its keys at boot from its seed: an Instance's spec
  // carries the fingerprints of its keys, so a changed key is a change of
  // every instance that has it.
  static void carryKeyFingerprints(Json& instance, const std::map<std::string, std::string>& fingerprints) {
    Json carried = Json::object();
    for (const auto& name : member(instance, "keyPairs")) {
      auto found = name.is_string() ? fingerprints.find(name.get<std::string>()) : fingerprints.end();
      if (found != fingerprints.end() && !found->second.empty()) carried[found->first] = found->second;
    }
    if (!carried.empty()) instance[kKeyFingerprintsField] = std::move(carried);
  }

  // `protect` is no part of an object: changing it alone changes only the
  // VDC's record, which lists what is protected.
  static void protect(Vdc& vdc) {
    Json listed = Json::array();
    for (auto& r : vdc.resources) {
      r.protect = member(r.spec, kProtectField) == true;
      if (r.spec.is_object()) r.spec.erase(kProtectField);
      if (r.protect) listed.push_back(r.id.str());
    }
    if (listed.empty()) return;
    for (auto& r : vdc.resources)
      if (r.id.kind == Kind::VirtualDataCenter) r.spec[kProtectedField] = listed;
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

  // Replica `index` of `replicas` is renamed from the old one of its index.
  std::string renamedFrom(const Manifest& m, long index, long replicas) const {
    std::string old = annotation(m, kRenamedFromAnnotation);
    if (!isDnsLabel(old) || !isRenamable(m.id.kind)) return "";
    std::string name = replicaName(old, index, replicas);
    return name.size() <= 63 ? name : "";
  }

  long replicaCount(const std::string& name) {
    auto it = replicaCounts_.find(name);
    return it == replicaCounts_.end() ? 1 : it->second;
  }

 public:
  void rememberReplicaCounts() {
    for (const auto& m : manifests_)
      if (m.id.kind == Kind::Instance) replicaCounts_[m.id.name] = InstanceSpec(m.spec).replicas();
  }

 private:
  std::vector<Manifest>& manifests_;
  Diagnostics& diags_;
  std::map<ResourceId, const Manifest*> byId_;
  std::map<Kind, std::vector<std::string>> namesByKind_;
  std::map<std::string, long> replicaCounts_;
  std::map<ResourceId, Location> renamedFrom_;  // old resource -> the manifest renamed from it
  bool complete_;
  ExpansionLimits limits_;
  bool expandable_ = true;
};

}  // namespace

std::vector<ResourceId> specReferences(Kind kind, const Json& spec) {
  std::vector<ResourceId> refs;
  auto add = [&](Kind k, const Json& name) {
    if (name.is_string()) refs.push_back({k, name.get<std::string>()});
  };
  if (auto references = rulesOf(kind).references) references(spec, add);
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
