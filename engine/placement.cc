#include "engine/placement.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "engine/hash.h"
#include "engine/kinds/instance.h"
#include "engine/rename.h"
#include "engine/units.h"

namespace vdc {

namespace {

struct Need {
  long cpus = 0;
  uint64_t memory = 0;
};

Need needOf(const Resource& instance) {
  InstanceSpec spec(instance.spec);
  return {spec.cpus(), spec.memory()};
}

struct Room {
  const HostInfo* host;
  Need used;

  bool fits(const Need& need) const {
    return (!host->cpus || used.cpus + need.cpus <= *host->cpus) &&
           (!host->memory || used.memory + need.memory <= *host->memory);
  }
  uint64_t freeMemory() const {
    return host->memory ? *host->memory - std::min(*host->memory, used.memory) : std::numeric_limits<uint64_t>::max();
  }
  std::string describeFree() const {
    std::string cpus = host->cpus ? std::to_string(std::max(0L, *host->cpus - used.cpus)) + " cpus" : "any cpus";
    std::string memory = host->memory ? formatSize(freeMemory()) : "any memory";
    return host->name + ": " + cpus + ", " + memory + " free";
  }
};

// The hosts the live object is on, as the datacenter observed them; for one
// still to be adopted, the host of the object it adopts.
std::vector<std::string> liveHosts(const LiveState& live, const Renames& renames, const Resource& r) {
  std::vector<std::string> hosts;
  if (const LiveObject* object = liveObjectOf(r, live, renames))
    for (const auto& host : member(object->observed, "hosts")) hosts.push_back(host.get<std::string>());
  else if (const Unowned* adopted = r.adopt.empty() ? nullptr : live.findUnowned(r.id.kind, r.adopt);
           adopted && !adopted->host.empty())
    hosts.push_back(adopted->host);
  return hosts;
}

class Placer {
 public:
  Placer(Vdc& desired, const LiveState& live, const std::vector<HostInfo>& hosts, Diagnostics& problems)
      : desired_(desired), live_(live), renames_(pendingRenames(desired, live)), problems_(problems) {
    for (const auto& host : hosts) rooms_.emplace(host.name, Room{&host, {}});
  }

  void run() {
    std::vector<Resource*> fresh;
    for (auto& r : desired_.resources)
      if (r.id.kind == Kind::Instance && !keep(r)) fresh.push_back(&r);
    for (Resource* r : fresh) place(*r);
    for (const auto& [name, room] : rooms_)
      if (!room.fits({0, 0}))
        problems_.add({}, "host " + name + " is over its capacity: its instances take " +
                              std::to_string(room.used.cpus) + " cpus and " + formatSize(room.used.memory));
  }

  // The host of every resource, once instances are placed.
  std::map<ResourceId, std::vector<std::string>> hostsOfAll() const {
    std::map<ResourceId, std::vector<std::string>> hosts;
    std::vector<std::string> all;
    for (const auto& [name, room] : rooms_) all.push_back(name);
    std::map<std::string, std::string> volumeHost;  // Volume name -> the host of its instance
    std::map<std::string, std::set<std::string>> imageHosts;
    for (const auto& r : desired_.resources) {
      auto placed = placed_.find(r.id);
      if (placed == placed_.end()) continue;
      const std::string& host = placed->second;
      hosts[r.id] = {host};
      for (const auto& attachment : member(r.spec, "volumes")) volumeHost[attachment.value("volume", "")] = host;
      if (r.spec.contains("image")) imageHosts[r.spec["image"].get<std::string>()].insert(host);
    }
    for (const auto& r : desired_.resources) {
      std::vector<std::string> live = liveHosts(live_, renames_, r);
      switch (r.id.kind) {
        case Kind::Instance:
          break;
        case Kind::Volume:
        case Kind::LoadBalancer: {
          auto attached = volumeHost.find(r.id.name);
          std::string host = r.id.kind == Kind::Volume && attached != volumeHost.end() ? attached->second
                             : !live.empty() && rooms_.count(live.front())           ? live.front()
                                                                                      : all.front();
          hosts[r.id] = {host};
          if (r.id.kind == Kind::Volume && r.spec.contains("image")) imageHosts[r.spec["image"].get<std::string>()].insert(host);
          break;
        }
        default:
          hosts[r.id] = all;
      }
    }
    for (auto& r : desired_.resources) {
      if (r.id.kind != Kind::Image) continue;
      std::set<std::string> on = imageHosts[r.id.name];
      for (const auto& host : liveHosts(live_, renames_, r))
        if (rooms_.count(host)) on.insert(host);
      if (on.empty()) on.insert(all.front());
      hosts[r.id] = {on.begin(), on.end()};
    }
    return hosts;
  }

 private:
  std::string wanted(const Resource& instance) const {
    return member(member(instance.spec, "placement"), "host").is_string()
               ? instance.spec["placement"]["host"].get<std::string>()
               : "";
  }

  // An instance that runs on a host stays there, unless the manifest moves it.
  bool keep(const Resource& instance) {
    std::vector<std::string> live = liveHosts(live_, renames_, instance);
    if (live.empty() || !rooms_.count(live.front())) return false;
    if (!wanted(instance).empty() && wanted(instance) != live.front()) return false;
    take(instance, live.front());
    return true;
  }

  void take(const Resource& instance, const std::string& host) {
    Need need = needOf(instance);
    Room& room = rooms_.at(host);
    room.used.cpus += need.cpus;
    room.used.memory += need.memory;
    placed_[instance.id] = host;
    spread_[{instance.where.str(), domainOf(instance, host)}]++;
  }

  std::string domainOf(const Resource& instance, const std::string& host) const {
    std::string by = member(member(instance.spec, "placement"), "spreadBy").is_string()
                         ? instance.spec["placement"]["spreadBy"].get<std::string>()
                         : "";
    if (by.empty()) return "";
    if (by == "host") return host;
    const auto& labels = rooms_.at(host).host->labels;
    auto label = labels.find(by);
    return label == labels.end() ? "" : label->second;
  }

  void place(const Resource& instance) {
    std::string fixed = wanted(instance);
    if (!fixed.empty() && !rooms_.count(fixed)) {
      std::string names;
      for (const auto& [name, room] : rooms_) names += (names.empty() ? "" : ", ") + name;
      problems_.add(instance.where, instance.id.str() + ": placement.host '" + fixed +
                                        "' is not a host of the target (" + names + ")");
      return;
    }
    Need need = needOf(instance);
    const Room* best = nullptr;
    auto score = [&](const Room& room) {
      return std::make_tuple(spread_[{instance.where.str(), domainOf(instance, room.host->name)}],
                             std::numeric_limits<uint64_t>::max() - room.freeMemory());
    };
    for (const auto& [name, room] : rooms_) {
      if (!fixed.empty() && name != fixed) continue;
      if (!room.fits(need)) continue;
      if (!best || score(room) < score(*best)) best = &room;
    }
    if (!best) {
      std::string free;
      for (const auto& [name, room] : rooms_)
        if (fixed.empty() || name == fixed) free += "; " + room.describeFree();
      problems_.add(instance.where, instance.id.str() + " needs " + std::to_string(need.cpus) + " cpus and " +
                                        formatSize(need.memory) + ": no host has room (" + free.substr(2) + ")");
      return;
    }
    take(instance, best->host->name);
  }

  Vdc& desired_;
  const LiveState& live_;
  Renames renames_;  // a renamed instance stays where its object is
  Diagnostics& problems_;
  std::map<std::string, Room> rooms_;  // by host name: ties go to the first
  std::map<ResourceId, std::string> placed_;
  std::map<std::pair<std::string, std::string>, int> spread_;  // (manifest, domain) -> instances
};

}  // namespace

void planPlacement(Vdc& desired, const LiveState& live, const std::vector<HostInfo>& hosts, Diagnostics& problems) {
  if (hosts.empty()) return;
  Placer placer(desired, live, hosts, problems);
  placer.run();
  if (hosts.size() == 1) return;
  auto placed = placer.hostsOfAll();
  for (auto& r : desired.resources) {
    auto it = placed.find(r.id);
    if (it == placed.end()) continue;  // an instance that fits nowhere: already a problem
    r.spec["hosts"] = it->second;
    r.specHash = canonicalHash(r.spec);
  }
}

}  // namespace vdc
