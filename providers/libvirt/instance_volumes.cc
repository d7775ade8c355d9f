#include "providers/libvirt/instance_volumes.h"

#include "engine/hash.h"
#include "engine/kinds/volume.h"
#include "providers/libvirt/api/volume_stream.h"
#include "providers/libvirt/api/xml.h"
#include "providers/libvirt/load_balancer.h"
#include "providers/libvirt/ownership.h"
#include "providers/libvirt/seed.h"
#include "providers/libvirt/step_timing.h"

namespace vdc::libvirt {

std::string InstanceVolumes::diskOwner(const Ownership& domain) const {
  return records_.diskOwner(domain.vdc, domain.id);
}

// An adopted guest was set up before vdc: a seed would configure it anew.
bool InstanceVolumes::hasSeed(const Ownership& domain) const {
  if (host_.settings().testDriver || !domain.physical.empty()) return false;
  ResourceId derived = domain.id;  // a renamed instance keeps the name it had
  if (derived.kind == Kind::Instance) derived.name = diskOwner(domain);
  return records_.nameOf(domain.vdc, domain.id) == domainName(domain.vdc, derived);
}

bool InstanceVolumes::hasRootDisk(const Ownership& domain) const {
  if (domain.id.kind == Kind::LoadBalancer)
    return !host_.settings().testDriver && !host_.settings().loadBalancer.source.empty();
  return domain.spec.contains("image");
}

// What it has stays recorded, and so vdc's, until it is removed with it: a
// replace that drops the image deletes the old root disk by this record.
Ownership InstanceVolumes::keepingRecorded(Ownership wanted) const {
  auto recorded = records_.find(wanted.vdc, wanted.id);
  if (recorded && recorded->spec.is_object())
    for (const auto& [role, name] : recorded->spec.items())
      if (!wanted.spec.contains(role)) wanted.spec[role] = name;
  return wanted;
}

Ownership InstanceVolumes::record(const Ownership& instance) const {
  Json volumes = Json::object();
  if (hasRootDisk(instance)) volumes["rootDisk"] = rootDiskName(instance.vdc, diskOwner(instance));
  if (hasSeed(instance)) volumes["seed"] = seedName(instance.vdc, diskOwner(instance));
  return {instance.vdc, instance.id, "instance-volumes", volumes};
}

void InstanceVolumes::prepare(const std::vector<Ownership>& intended, const HostFileRule& files) {
  files_ = files;
  std::vector<Ownership> records;
  for (const auto& instance : intended) {
    Ownership wanted = record(instance);
    if (wanted.spec.empty()) continue;
    // A volume vdc never recorded is someone else's: it stays unrecorded and the create fails.
    bool recorded = records_.find(instance.vdc, instance.id).has_value();
    bool squatted = false;
    for (const auto& [role, name] : wanted.spec.items())
      squatted = squatted || (!recorded && host_.volumeExists(kStandardStorageClass, name.get<std::string>()));
    if (!squatted) records.push_back(keepingRecorded(wanted));
  }
  records_.putDurably(records);
}

// A virtual machine's root disk left by a domain deleted by hand: a
// copy-on-write child of the instance's image, made in one call, so never
// half made. A container's copy or an appliance's download may be half
// made by an interrupted create, and is made again.
// One that is a child of another image than the instance's now holds data
// that making it anew would lose: refused, never deleted unasked.
bool InstanceVolumes::keepsRootDisk(const Ownership& instance) {
  if (instance.id.kind != Kind::Instance || isContainer(instance) || storage_.carried(instance.id)) return false;
  auto image = storage_.imageOf(instance);
  std::string root = rootDiskName(instance.vdc, diskOwner(instance));
  std::string backing = storage_.volume(kStandardStorageClass, root).backing;
  if (backing.empty()) return false;
  if (!image || backing != image->path)
    throw Error(instance.id.str() + ": the root disk '" + root + "' its deleted domain left is a child of " + backing +
                ", not of the image the manifest names; it is kept. Set the image back, or delete the volume to make "
                "the instance afresh");
  return true;
}

void InstanceVolumes::create(const Ownership& instance) {
  Ownership wanted = record(instance);
  if (wanted.spec.empty()) return;
  bool ours = records_.find(instance.vdc, instance.id).has_value();
  std::string root = rootDiskName(instance.vdc, diskOwner(instance));
  bool keepRoot = false;
  for (const auto& [role, name] : wanted.spec.items()) {
    std::string volume = name.get<std::string>();
    if (!host_.volumeExists(kStandardStorageClass, volume)) continue;
    if (!ours) throw Error("volume '" + volume + "' already exists and was not created by vdc; it is left alone");
    if (volume == root && keepsRootDisk(instance)) {
      keepRoot = true;  // its domain was deleted by hand: the machine comes back with its data
      continue;
    }
    storage_.deleteVolume(kStandardStorageClass, volume);  // a leftover of an interrupted create
  }
  if (!ours) records_.putDurably({wanted});
  std::string domain = records_.nameOf(instance.vdc, instance.id);  // what vdc -v names its steps by
  const CarriedDisk* carried = storage_.carried(instance.id);  // by an import
  if (hasRootDisk(instance) && instance.id.kind == Kind::LoadBalancer)
    makeApplianceDisk(root);
  else if (hasRootDisk(instance) && carried)
    storage_.createFromContents(instance, *carried, kStandardStorageClass, root);
  else if (hasRootDisk(instance) && isContainer(instance))
    storage_.createCopy(kStandardStorageClass, root, *storage_.imageOf(instance));
  else if (hasRootDisk(instance) && !keepRoot)
    timedStep(domain, "rootDisk", [&] { storage_.createChild(kStandardStorageClass, root, 0, storage_.imageOf(instance)); });
  if (hasSeed(instance)) timedStep(domain, "seed", [&] { replaceSeed(instance); });
}

void InstanceVolumes::update(const Ownership& instance) {
  if (!hasSeed(instance)) return;
  records_.put(keepingRecorded(record(instance)));
  replaceSeed(instance);
}

bool InstanceVolumes::remakeMissing(const Ownership& instance) {
  Ownership wanted = record(instance);
  records_.put(keepingRecorded(wanted));
  bool root = false;
  for (const auto& [role, name] : wanted.spec.items()) {
    std::string volume = name.get<std::string>();
    if (host_.volumeExists(kStandardStorageClass, volume)) continue;
    if (role == "seed") {
      replaceSeed(instance);
    } else if (instance.id.kind == Kind::LoadBalancer) {
      makeApplianceDisk(volume);
      root = true;
    }
  }
  return root;
}

// The Target's host for it may be one an allow-list let through: no redirect leads past it.
void InstanceVolumes::makeApplianceDisk(const std::string& root) {
  const ApplianceImage& appliance = host_.settings().loadBalancer;
  storage_.importVolume(kStandardStorageClass, root, appliance.source, appliance.format, appliance.sha256, HostFileRule{},
                        DiskStore::Backing::Refused, Redirects::SameHost);
}

void InstanceVolumes::remove(const std::string& vdc, const ResourceId& instance) {
  auto recorded = records_.find(vdc, instance);
  if (!recorded) return;
  for (const auto& [role, name] : recorded->spec.items()) storage_.deleteVolume(kStandardStorageClass, name.get<std::string>());
  records_.erase(vdc, instance);
}

InstanceVolumes::InstanceVolumes(Host& host, RecordStore& records, DiskStore& storage)
    : host_(host), records_(records), storage_(storage) {
  // By default networks are libvirt networks: their XML has the addressing.
  addressing_ = [this](const std::string& vdc, const std::string& network) -> std::optional<NetworkAddressing> {
    std::string name = records_.nameOf(vdc, {Kind::Network, network});
    NetworkHandle handle(virNetworkLookupByName(host_.connection(), name.c_str()));
    if (!handle) throw libvirtError("cannot find network " + name);
    XmlDocument xml(networkDefinition(handle.get()), "network XML");
    auto prefix = xml.text("ip/@prefix");
    if (!prefix) return std::nullopt;
    return NetworkAddressing{std::atoi(prefix->c_str()), xml.text("ip/@address").value_or("")};
  };
}

// Each NIC with its planned address, in its network's prefix, and the first
// one's gateway as the default route. An appliance has one NIC, on its network.
std::vector<Seed::Nic> InstanceVolumes::nics(const Ownership& instance) const {
  std::vector<Seed::Nic> nics;
  Json interfaces = instance.spec.value("interfaces", Json::array());
  if (instance.id.kind == Kind::LoadBalancer)
    interfaces = Json::array({{{"network", instance.spec.value("network", "")}, {"ip", instance.spec.value("address", "")}}});
  for (size_t i = 0; i < interfaces.size(); ++i) {
    Seed::Nic nic{macAddress(instance.vdc, diskOwner(instance), i), "", ""};
    std::string ip = interfaces[i].value("ip", "");
    auto addressing = addressing_(instance.vdc, interfaces[i].value("network", ""));
    if (!ip.empty() && addressing) nic.address = ip + "/" + std::to_string(addressing->prefix);
    if (i == 0 && !nic.address.empty()) nic.gateway = addressing->gateway;
    nics.push_back(nic);
  }
  return nics;
}

std::vector<std::string> InstanceVolumes::publicKeys(const Ownership& instance) const {
  std::vector<std::string> keys;
  for (const auto& name : instance.spec.value("keyPairs", Json::array()))
    if (auto keyPair = records_.find(instance.vdc, {Kind::KeyPair, name.get<std::string>()}))
      keys.push_back(keyPair->spec.value("publicKey", ""));
  return keys;
}

// The instance id changes with the seed's contents, so cloud-init, which
// runs once per instance id, runs a changed seed on the next boot.
void InstanceVolumes::replaceSeed(const Ownership& instance) {
  bool appliance = instance.id.kind == Kind::LoadBalancer;
  Seed seed{"", appliance ? "lb-" + instance.id.name : instance.id.name, publicKeys(instance),
            appliance ? applianceUserData(instance.spec, files_) : instance.spec.value("userData", ""),
            nics(instance)};
  seed.instanceId = domainName(instance.vdc, instance.id) + "." +
                    sha256Hex(metaData(seed) + networkConfig(seed) + userData(seed)).substr(0, 12);
  std::string image = isContainer(instance) ? seedFileSystem(seed) : seedIso(seed);
  std::string name = seedName(instance.vdc, diskOwner(instance));
  storage_.deleteVolume(kStandardStorageClass, name);
  VolumeHandle volume = storage_.createRaw(kStandardStorageClass, name, image.size());
  VolumeUpload upload(host_.connection(), volume.get(), image.size());
  upload.send(image);
  upload.finish();
}

}  // namespace vdc::libvirt
