#include "providers/libvirt/registry.h"

#include <set>

#include "engine/kinds/volume.h"
#include "base/text.h"
#include "engine/units.h"
#include "providers/libvirt/api/xml.h"
#include "providers/libvirt/ownership.h"

namespace vdc::libvirt {

void RecordStore::parse(const std::string& vdc, const XmlDocument& doc, xmlNodePtr network, Loaded& loaded) {
  loaded.exists = true;
  loaded.uuid = doc.text("uuid", network).value_or("");
  auto registry = doc.nodes("metadata/vdc:registry", network);
  if (registry.empty() || XmlDocument::attribute(registry.front(), "vdc") != vdc) {
    loaded.foreign = true;
    return;
  }
  auto issuer = XmlDocument::attribute(registry.front(), "fenceIssuer");
  auto token = XmlDocument::attribute(registry.front(), "fence");
  if (issuer && issuer->size() <= 64 && token && !token->empty() && token->size() <= 19 &&
      token->find_first_not_of("0123456789") == std::string::npos)
    loaded.fence = FencingToken{*issuer, std::stoull(*token)};
  for (xmlNodePtr node : doc.nodes("vdc:owner", registry.front()))
    if (auto owner = readOwner(doc, node)) {
      if (owner->vdc != vdc) continue;
      loaded.records[owner->id] = *owner;
    }
  for (xmlNodePtr node : doc.nodes("vdc:adopted", registry.front())) {
    auto kind = parseKind(XmlDocument::attribute(node, "kind").value_or(""));
    auto name = XmlDocument::attribute(node, "name");
    auto physical = XmlDocument::attribute(node, "physical");
    bool plain = physical && !physical->empty() && physical->size() <= 255 &&
                 physical->find_first_of(std::string("/\0\n", 3)) == std::string::npos;
    if (kind && name && plain && isDnsLabel(*name)) loaded.adoptedNames[{*kind, *name}] = *physical;
  }
  // An instance's disks are only ever the names vdc derives for it (from the
  // name it keeps, renamed): a record edited to name any other volume must
  // not make vdc delete it.
  for (auto& [id, owner] : loaded.records) {
    if (owner.specHash != "instance-volumes") continue;
    std::string disks = diskOwnerName(vdc, id, loaded.adoptedNames);
    bool derived = true;
    for (const auto& [role, volume] : owner.spec.items())
      derived = derived && volume.is_string() && (volume == rootDiskName(vdc, disks) || volume == seedName(vdc, disks));
    if (!derived) owner.spec = Json::object();
  }
  // Only a name vdc would give a root disk or seed of this VDC: a record
  // edited to list another never hands that one over.
  for (xmlNodePtr node : doc.nodes("vdc:forgotten[@kind='Volume']", registry.front())) {
    std::string physical = XmlDocument::attribute(node, "physical").value_or("");
    auto instance = rootDiskInstance(vdc, physical);
    if (!instance) instance = seedInstance(vdc, physical);
    if (instance && isDnsLabel(*instance)) loaded.forgottenVolumes.insert(physical);
  }
}

RecordStore::Loaded& RecordStore::load(const std::string& vdc) {
  auto it = cache_.find(vdc);
  if (it != cache_.end()) return it->second;
  Loaded& loaded = cache_[vdc];
  std::string name = registryName(vdc);
  auto net = lookupOrNull<NetworkHandle>(virNetworkLookupByName(host_.connection(), name.c_str()), "network " + name);
  if (!net) return loaded;
  XmlDocument doc(networkDefinition(net.get()), "network " + name);
  parse(vdc, doc, doc.root(), loaded);
  return loaded;
}

void RecordStore::beginScan(const std::string& vdc) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(vdc);
  if (it != cache_.end() && it->second.dirty) save(vdc, it->second);
  cache_[vdc] = Loaded{};
  volumesAdopted_.clear();
}

void RecordStore::absorb(const std::string& vdc, const HostObject& object) {
  if (object.type != HostObject::Type::Network) return;
  std::lock_guard lock(mutex_);
  for (xmlNodePtr registry : object.doc.nodes("metadata/vdc:registry", object.node))
    for (xmlNodePtr adopted : object.doc.nodes("vdc:adopted[@kind='Volume']", registry))
      volumesAdopted_[XmlDocument::attribute(adopted, "physical").value_or("")] =
          XmlDocument::attribute(registry, "vdc").value_or("");
  if (object.name != registryName(vdc)) return;
  Loaded& loaded = cache_[vdc];
  loaded = Loaded{};
  parse(vdc, object.doc, object.node, loaded);
}

void readHost(Host& host, RecordStore& records, const std::vector<HostReader*>& readers, const std::string& vdc,
              LiveState& into) {
  records.beginScan(vdc);
  host.scan([&](const HostObject& object) {
    records.absorb(vdc, object);
    for (HostReader* reader : readers) reader->visit(vdc, object, into);
  });
  for (HostReader* reader : readers) reader->finishRead(vdc, into);
}

void RecordStore::fence(const std::string& vdc, const FencingToken& token) {
  std::lock_guard lock(mutex_);
  fences_[vdc] = token;
  checkFence(vdc);
}

void RecordStore::checkFence(const std::string& vdc) {
  auto ours = fences_.find(vdc);
  if (ours == fences_.end()) return;
  // Read from the host, not the cache: the point is a write since.
  Loaded now;
  std::string name = registryName(vdc);
  auto net = lookupOrNull<NetworkHandle>(virNetworkLookupByName(host_.connection(), name.c_str()), "network " + name);
  if (!net) return;
  XmlDocument doc(networkDefinition(net.get()), "network " + name);
  parse(vdc, doc, doc.root(), now);
  if (now.fence && ours->second.supersededBy(*now.fence))
    throw Error("the record of VDC " + vdc + " on " + host_.settings().uri +
                " was written by a later holder of its lock (token " + printable(now.fence->str()) + "); this writer's lease (token " +
                ours->second.str() + ") was lost, and it writes nothing more");
}

void RecordStore::save(const std::string& vdc, Loaded& loaded) {
  checkFence(vdc);
  if (auto ours = fences_.find(vdc); ours != fences_.end()) loaded.fence = ours->second;
  std::string name = registryName(vdc);
  std::string xml = "<network><name>" + xmlEscape(name) + "</name>";
  if (!loaded.uuid.empty()) xml += "<uuid>" + loaded.uuid + "</uuid>";
  // Never started, but libvirt would give it a virbrN all the same.
  xml += "<bridge name='" + networkBridgeName(vdc, "_vdc") + "'/>";
  xml += "<metadata><vdc:registry xmlns:vdc=\"" + std::string(kOwnershipNamespace) + "\" vdc=\"" +
         xmlEscape(vdc) + "\"";
  if (loaded.fence)
    xml += " fenceIssuer=\"" + xmlEscape(loaded.fence->issuer) + "\" fence=\"" + std::to_string(loaded.fence->value) + "\"";
  xml += ">";
  for (const auto& [id, owner] : loaded.records) xml += ownerElement(owner, false);
  for (const auto& [id, physical] : loaded.adoptedNames)
    xml += "<vdc:adopted kind=\"" + std::string(kindName(id.kind)) + "\" name=\"" + xmlEscape(id.name) +
           "\" physical=\"" + xmlEscape(physical) + "\"/>";
  for (const auto& physical : loaded.forgottenVolumes)
    xml += "<vdc:forgotten kind=\"Volume\" physical=\"" + xmlEscape(physical) + "\"/>";
  xml += "</vdc:registry></metadata></network>";
  // The record is never started; one that runs (a reloaded embedded
  // datacenter starts every network) would keep showing its old definition.
  if (NetworkHandle old{virNetworkLookupByName(host_.connection(), name.c_str())};
      old && virNetworkIsActive(old.get()) == 1 && virNetworkDestroy(old.get()) < 0)
    throw libvirtError("cannot stop the record of VDC " + vdc);
  NetworkHandle net(virNetworkDefineXML(host_.connection(), xml.c_str()));
  if (!net) throw libvirtError("cannot write the record of VDC " + vdc);
  if (loaded.uuid.empty()) {
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virNetworkGetUUIDString(net.get(), uuid) == 0) loaded.uuid = uuid;
  }
  loaded.exists = true;
  loaded.dirty = false;
}

std::map<ResourceId, Ownership> RecordStore::records(const std::string& vdc) {
  std::lock_guard lock(mutex_);
  return load(vdc).records;
}

std::optional<Ownership> RecordStore::find(const std::string& vdc, const ResourceId& id) {
  std::lock_guard lock(mutex_);
  auto& records = load(vdc).records;
  auto it = records.find(id);
  if (it == records.end()) return std::nullopt;
  return it->second;
}

bool RecordStore::squatted(const std::string& vdc) {
  std::lock_guard lock(mutex_);
  return load(vdc).foreign;
}

bool RecordStore::set(const Ownership& owner) {
  Loaded& loaded = load(owner.vdc);
  if (loaded.foreign)
    throw Error("network '" + registryName(owner.vdc) + "' exists and is not the record of VDC " + owner.vdc);
  auto it = loaded.records.find(owner.id);
  if (it != loaded.records.end() && it->second.specHash == owner.specHash && it->second.spec == owner.spec)
    return false;
  loaded.records[owner.id] = owner;
  return true;
}

void RecordStore::putDurably(const std::vector<Ownership>& owners) {
  std::lock_guard lock(mutex_);
  std::set<std::string> touched;
  for (const auto& owner : owners)
    if (set(owner)) touched.insert(owner.vdc);
  for (const auto& vdc : touched) save(vdc, cache_[vdc]);
}

void RecordStore::put(const Ownership& owner) {
  std::lock_guard lock(mutex_);
  if (set(owner)) cache_[owner.vdc].dirty = true;
}

void RecordStore::keepName(const std::string& vdc, const ResourceId& id, const std::string& physical) {
  std::lock_guard lock(mutex_);
  Loaded& loaded = load(vdc);
  if (loaded.foreign) throw Error("network '" + registryName(vdc) + "' exists and is not the record of VDC " + vdc);
  if (loaded.adoptedNames[id] == physical) return;
  loaded.adoptedNames[id] = physical;
  save(vdc, loaded);
}

void RecordStore::forgetVolume(const std::string& vdc, const std::string& physical) {
  std::lock_guard lock(mutex_);
  Loaded& loaded = load(vdc);
  if (loaded.forgottenVolumes.insert(physical).second) loaded.dirty = true;
}

void RecordStore::takeBack(const std::string& vdc, const std::string& physical) {
  std::lock_guard lock(mutex_);
  Loaded& loaded = load(vdc);
  if (loaded.forgottenVolumes.erase(physical)) loaded.dirty = true;
}

bool RecordStore::forgotten(const std::string& vdc, const std::string& physical) {
  std::lock_guard lock(mutex_);
  return load(vdc).forgottenVolumes.count(physical) > 0;
}

static std::string derivedName(const std::string& vdc, const ResourceId& id) {
  switch (id.kind) {
    case Kind::Network: return networkName(vdc, id.name);
    case Kind::Volume:
    case Kind::Image: return volumeName(vdc, id);
    default: return domainName(vdc, id);
  }
}

// The name a domain's disks, MACs and filters are derived from: a renamed
// instance keeps its old one, which its domain's kept name still carries.
std::string RecordStore::diskOwnerName(const std::string& vdc, const ResourceId& id,
                                       const std::map<ResourceId, std::string>& kept) {
  if (id.kind == Kind::LoadBalancer) return "lb." + id.name;
  if (auto it = kept.find(id); it != kept.end() && id.kind == Kind::Instance)
    if (auto was = domainResource(vdc, it->second); was && was->kind == Kind::Instance) return was->name;
  return id.name;
}

std::string RecordStore::diskOwner(const std::string& vdc, const ResourceId& id) {
  std::lock_guard lock(mutex_);
  return diskOwnerName(vdc, id, load(vdc).adoptedNames);
}

std::map<ResourceId, std::string> RecordStore::keptNames(const std::string& vdc) {
  std::lock_guard lock(mutex_);
  return load(vdc).adoptedNames;
}

std::string RecordStore::nameOf(const std::string& vdc, const ResourceId& id) {
  {
    std::lock_guard lock(mutex_);
    auto& names = load(vdc).adoptedNames;
    if (auto it = names.find(id); it != names.end()) return it->second;
  }
  return derivedName(vdc, id);
}

// One write: a crash leaves the resource under its old name or its new one,
// never neither (the object's own record follows: hypervisor.cc).
void RecordStore::rename(const std::string& vdc, const ResourceId& from, const ResourceId& to,
                         const std::string& physical) {
  std::lock_guard lock(mutex_);
  Loaded& loaded = load(vdc);
  if (loaded.foreign) throw Error("network '" + registryName(vdc) + "' exists and is not the record of VDC " + vdc);
  if (auto record = loaded.records.extract(from)) {
    record.mapped().id = to;
    loaded.records.insert_or_assign(to, std::move(record.mapped()));
  }
  loaded.adoptedNames.erase(from);
  if (physical == derivedName(vdc, to)) loaded.adoptedNames.erase(to);
  else loaded.adoptedNames[to] = physical;
  save(vdc, loaded);
}

std::optional<ResourceId> RecordStore::adoptedAs(const std::string& vdc, Kind kind, const std::string& physical) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, name] : load(vdc).adoptedNames)
    if (id.kind == kind && name == physical) return id;
  return std::nullopt;
}

bool RecordStore::adoptedByAnother(const std::string& vdc, const std::string& physical) {
  std::lock_guard lock(mutex_);
  auto it = volumesAdopted_.find(physical);
  return it != volumesAdopted_.end() && it->second != vdc;
}

void RecordStore::forgetName(const std::string& vdc, const ResourceId& id) {
  std::lock_guard lock(mutex_);
  Loaded& loaded = load(vdc);
  if (loaded.adoptedNames.erase(id)) loaded.dirty = true;
}

void RecordStore::erase(const std::string& vdc, const ResourceId& id) {
  std::lock_guard lock(mutex_);
  Loaded& loaded = load(vdc);
  if (loaded.foreign || loaded.records.erase(id) == 0) return;
  loaded.dirty = true;
}

void RecordStore::flush() {
  std::lock_guard lock(mutex_);
  for (auto& [vdc, loaded] : cache_)
    if (loaded.dirty) save(vdc, loaded);
}

void RecordStore::drop(const std::string& vdc) {
  std::lock_guard lock(mutex_);
  Loaded& loaded = load(vdc);
  if (loaded.foreign || !loaded.exists) return;
  checkFence(vdc);
  std::string name = registryName(vdc);
  NetworkHandle net(virNetworkLookupByName(host_.connection(), name.c_str()));
  if (net) {
    if (virNetworkIsActive(net.get()) == 1) virNetworkDestroy(net.get());
    if (virNetworkUndefine(net.get()) < 0) throw libvirtError("cannot remove the record of VDC " + vdc);
  }
  cache_.erase(vdc);
}

void LibvirtRegistry::finishRead(const std::string& vdc, LiveState& into) {
  if (records_.squatted(vdc)) {
    into.addForeign({{Kind::VirtualDataCenter, vdc}, registryName(vdc), ""});
    return;
  }
  for (const auto& [id, owner] : records_.records(vdc)) {
    if (id.kind != Kind::VirtualDataCenter && id.kind != Kind::KeyPair) continue;
    std::string physical = id.kind == Kind::VirtualDataCenter ? registryName(vdc) : "";
    into.add({id, physical, owner.specHash, owner.spec, Json::object()});
  }
}

void LibvirtRegistry::read(const std::string& vdc, LiveState& into) { readHost(host_, records_, {this}, vdc, into); }

void LibvirtRegistry::create(const Ownership& owner) { records_.put(owner); }

void LibvirtRegistry::update(const Ownership& owner, const LiveObject&) { records_.put(owner); }

// The storage volumes (class, name) a record stands for: volumes and images,
// and the root disk and seed of an instance or appliance (instance_volumes.h).
static std::vector<std::pair<std::string, std::string>> recordedVolumes(RecordStore& records, const std::string& vdc,
                                                                        const Ownership& record) {
  switch (record.id.kind) {
    case Kind::Volume: return {{VolumeSpec(record.spec).storageClass(), records.nameOf(vdc, record.id)}};
    case Kind::Image: return {{kStandardStorageClass, records.nameOf(vdc, record.id)}};
    case Kind::Instance:
    case Kind::LoadBalancer: {
      std::vector<std::pair<std::string, std::string>> volumes;
      for (const auto& [role, name] : record.spec.items()) volumes.push_back({kStandardStorageClass, name.get<std::string>()});
      return volumes;
    }
    default: return {};
  }
}

bool LibvirtRegistry::stillThere(const std::string& vdc, const Ownership& record) {
  auto volumes = recordedVolumes(records_, vdc, record);
  if (volumes.empty()) return true;  // a key pair or security group: the record is the object
  for (const auto& [storageClass, name] : volumes)
    if (host_.volumeExists(storageClass, name)) return true;
  return false;
}

void LibvirtRegistry::remove(const std::string& vdc, const LiveObject& live) {
  if (live.id.kind != Kind::VirtualDataCenter) return records_.erase(vdc, live.id);
  // A record whose volume is gone was left by an interrupted run (the volume
  // was deleted, the process died before forgetting it): nothing is owned.
  for (const auto& [id, record] : records_.records(vdc))
    if (id != live.id && stillThere(vdc, record))
      throw Error("VDC " + vdc + " still owns " + id.str() + "; its record stays");
  records_.drop(vdc);
}

}  // namespace vdc::libvirt
