#include "providers/targets/fleet.h"

#include <algorithm>
#include <future>

#include "base/error.h"

namespace vdc {

namespace {

// The hosts a planned spec names; none (an object made before the Target
// had several hosts): every host.
std::vector<std::string> hostsIn(const Json& json, const std::vector<HostInfo>& all) {
  std::vector<std::string> hosts;
  for (const auto& host : member(json, "hosts")) hosts.push_back(host.get<std::string>());
  if (hosts.empty())
    for (const auto& host : all) hosts.push_back(host.name);
  return hosts;
}

}  // namespace

// One of a host's providers, for every host: the engine sees as many of
// these as one host has providers.
class FleetProvider : public Provider {
 public:
  FleetProvider(Fleet& fleet, size_t index, std::vector<Kind> kinds)
      : fleet_(fleet), index_(index), kinds_(std::move(kinds)) {}

  std::vector<Kind> kinds() const override { return kinds_; }

  void read(const std::string& vdc, LiveState& into) override {
    std::vector<LiveState> perHost;
    for (const auto& host : fleet_.hosts()) {
      perHost.emplace_back();
      on(host.name).read(vdc, perHost.back());
    }
    LiveState merged = fleet_.merge(perHost);
    for (const auto& [id, object] : merged.objects()) into.add(object);
    for (const auto& [id, foreign] : merged.foreign()) into.addForeign(foreign);
    for (const auto& [id, physical] : merged.missing()) into.addMissing(id, physical);
    for (const auto& [key, unowned] : merged.unowned()) into.addUnowned(unowned);
    for (const auto& neighbour : merged.neighbours()) into.addNeighbour(neighbour);
  }

  // Where the object is, it is adopted; on the other hosts of a shared
  // kind (a network), made.
  void adopt(const Ownership& owner) override {
    for (const auto& host : hostsIn(owner.spec, fleet_.hosts())) {
      if (fleet_.unownedOn(host, owner.id.kind, owner.physical)) {
        on(host).adopt(owner);
      } else {
        Ownership made = owner;
        made.physical.clear();
        on(host).create(made);
      }
    }
  }

  void create(const Ownership& owner) override {
    for (const auto& host : hostsIn(owner.spec, fleet_.hosts())) on(host).create(owner);
  }

  // Made where it is missing, updated where it is, removed where it no longer belongs.
  void update(const Ownership& owner, const LiveObject& live) override {
    std::vector<std::string> wanted = hostsIn(owner.spec, fleet_.hosts());
    for (const auto& host : wanted) {
      if (const LiveObject* there = fleet_.liveOn(host, owner.id)) on(host).update(owner, *there);
      else on(host).create(owner);
    }
    for (const auto& host : hostsIn(live.observed, fleet_.hosts()))
      if (std::find(wanted.begin(), wanted.end(), host) == wanted.end())
        if (const LiveObject* there = fleet_.liveOn(host, owner.id)) on(host).remove(owner.vdc, *there);
  }

  void remove(const std::string& vdc, const LiveObject& live) override {
    for (const auto& host : hostsIn(live.observed, fleet_.hosts())) {
      const LiveObject* there = fleet_.liveOn(host, live.id);
      on(host).remove(vdc, there ? *there : live);
    }
  }

  void forget(const std::string& vdc, const LiveObject& live) override {
    for (const auto& host : hostsIn(live.observed, fleet_.hosts()))
      if (const LiveObject* there = fleet_.liveOn(host, live.id)) on(host).forget(vdc, *there);
  }

  void rename(const std::string& vdc, const LiveObject& live, const ResourceId& to) override {
    for (const auto& host : hostsIn(live.observed, fleet_.hosts()))
      if (const LiveObject* there = fleet_.liveOn(host, live.id)) on(host).rename(vdc, *there, to);
  }

  void release(const std::string& vdc, const LiveObject& live, const std::vector<ResourceId>& leaving) override {
    for (const auto& host : hostsIn(live.observed, fleet_.hosts()))
      if (const LiveObject* there = fleet_.liveOn(host, live.id)) on(host).release(vdc, *there, leaving);
  }

  void prepare(const ApplyIntent& intent) override {
    for (const auto& host : fleet_.hosts()) {
      ApplyIntent mine = intent;
      mine.intended.clear();
      for (const auto& owner : intent.intended) {
        auto hosts = hostsIn(owner.spec, fleet_.hosts());
        if (std::find(hosts.begin(), hosts.end(), host.name) != hosts.end()) mine.intended.push_back(owner);
      }
      // Every host's record carries the fence, whatever it is asked to make.
      if (!mine.intended.empty() || mine.fence) on(host.name).prepare(mine);
    }
  }

  void finish() override {
    for (const auto& host : fleet_.hosts()) on(host.name).finish();
  }

 private:
  Provider& on(const std::string& host) { return *fleet_.on(host).providers().at(index_); }

  Fleet& fleet_;
  size_t index_;  // in each host's providers()
  std::vector<Kind> kinds_;
};

Fleet::Fleet(std::vector<Member> members) : members_(std::move(members)) {
  if (members_.empty()) throw Error("a datacenter needs at least one host");
  auto first = members_.front().datacenter->providers();
  for (size_t i = 0; i < first.size(); ++i)
    providers_.push_back(std::make_unique<FleetProvider>(*this, i, first[i]->kinds()));
}

Fleet::~Fleet() = default;

std::string Fleet::describe() const {
  std::string text = std::to_string(members_.size()) + " hosts:";
  for (const auto& m : members_) text += " " + m.info.name + " (" + m.datacenter->describe() + ")";
  return text;
}

std::vector<Provider*> Fleet::providers() {
  std::vector<Provider*> all;
  for (auto& provider : providers_) all.push_back(provider.get());
  return all;
}

void Fleet::commit() {
  for (auto& m : members_) m.datacenter->commit();
}

void Fleet::keepForCrash() {
  for (auto& m : members_) m.datacenter->keepForCrash();
}

// Every host may be given anything, so every host must fit the VDC.
void Fleet::checkFits(const Vdc& desired, Diagnostics& problems) {
  for (auto& m : members_) m.datacenter->checkFits(desired, problems);
}

std::optional<uint64_t> Fleet::freeStorage() {
  std::optional<uint64_t> free;
  for (auto& m : members_)
    if (auto mine = m.datacenter->freeStorage()) free = free.value_or(0) + *mine;
  return free;
}

std::vector<HostInfo> Fleet::hosts() const {
  std::vector<HostInfo> hosts;
  for (const auto& m : members_) hosts.push_back(m.info);
  return hosts;
}

std::optional<Datacenter::DiskContents> Fleet::diskContents(const std::string& vdc, const LiveObject& disk) {
  for (const auto& host : hostsIn(disk.observed, hosts()))
    if (const LiveObject* there = liveOn(host, disk.id)) return on(host).diskContents(vdc, *there);
  return std::nullopt;
}

void Fleet::readDisk(const std::string& vdc, const LiveObject& disk, const DiskSink& take) {
  for (const auto& host : hostsIn(disk.observed, hosts()))
    if (const LiveObject* there = liveOn(host, disk.id)) return on(host).readDisk(vdc, *there, take);
  throw Error(disk.id.str() + " is on no host of the target");
}

Datacenter& Fleet::on(const std::string& host) {
  for (auto& m : members_)
    if (m.info.name == host) return *m.datacenter;
  throw Error("host '" + host + "' is not in the target");
}

const Unowned* Fleet::unownedOn(const std::string& host, Kind kind, const std::string& physical) const {
  auto it = lastRead_.find(host);
  return it == lastRead_.end() ? nullptr : it->second.findUnowned(kind, physical);
}

const LiveObject* Fleet::liveOn(const std::string& host, const ResourceId& id) const {
  auto it = lastRead_.find(host);
  return it == lastRead_.end() ? nullptr : it->second.find(id);
}

// Hosts are read at once: remote ones each cost a round trip or more.
LiveState Fleet::read(const std::string& vdc) {
  std::vector<std::future<LiveState>> reads;
  for (auto& m : members_)
    reads.push_back(std::async(std::launch::async, [&m, &vdc] { return m.datacenter->read(vdc); }));
  std::vector<LiveState> perHost;
  for (auto& read : reads) perHost.push_back(read.get());
  for (size_t i = 0; i < members_.size(); ++i) lastRead_[members_[i].info.name] = perHost[i];
  return merge(perHost);
}

// An object found on several hosts is one resource: the first copy that
// drifted from its record stands for all, so drift on any host shows. A
// single host's objects are left as they are: its specs name no hosts.
LiveState Fleet::merge(const std::vector<LiveState>& perHost) const {
  if (members_.size() == 1) return perHost.front();
  struct Seen {
    LiveObject object;
    bool drifted;
    Json hosts = Json::array();
  };
  std::map<ResourceId, Seen> merged;
  LiveState out;
  for (size_t i = 0; i < perHost.size(); ++i) {
    for (const auto& [id, object] : perHost[i].objects()) {
      bool drifted = !object.matches(object.recorded);
      auto [it, fresh] = merged.try_emplace(id, Seen{object, drifted});
      if (!fresh && drifted && !it->second.drifted) it->second = {object, true, it->second.hosts};
      it->second.hosts.push_back(members_[i].info.name);
    }
    for (const auto& [id, foreign] : perHost[i].foreign()) out.addForeign(foreign);
    for (const auto& [id, physical] : perHost[i].missing()) out.addMissing(id, physical);
    for (const auto& neighbour : perHost[i].neighbours()) out.addNeighbour(neighbour);
    for (const auto& [key, unowned] : perHost[i].unowned()) {
      if (out.findUnowned(unowned.kind, unowned.physicalName)) continue;  // the first host's stands
      Unowned there = unowned;
      there.host = members_[i].info.name;
      out.addUnowned(std::move(there));
    }
  }
  for (auto& [id, seen] : merged) {
    if (!seen.object.observed.is_object()) seen.object.observed = Json::object();
    seen.object.observed["hosts"] = seen.hosts;
    out.add(std::move(seen.object));
  }
  return out;
}

}  // namespace vdc
