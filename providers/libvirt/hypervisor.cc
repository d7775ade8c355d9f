#include "providers/libvirt/hypervisor.h"

#include <chrono>
#include <thread>

#include "engine/kinds/instance.h"
#include "engine/kinds/volume.h"
#include "engine/schema.h"
#include "engine/units.h"
#include "providers/libvirt/api/xml.h"
#include "providers/libvirt/nwfilter.h"
#include "providers/libvirt/ownership.h"
#include "providers/libvirt/step_timing.h"
#include "providers/libvirt/storage.h"
#include "providers/ovs/bridge_name.h"

namespace vdc::libvirt {

namespace {

constexpr const char* kApplianceMemory = "256MiB";

// Open vSwitch's userspace datapath passes packets between taps as they
// are: a guest that leaves its checksums to the NIC sends packets its peer
// drops. Checksums are computed in the guests instead.
constexpr const char* kNoChecksumOffload =
    "<driver name='qemu'><host csum='off' gso='off' tso4='off' tso6='off'/><guest csum='off' tso4='off' tso6='off'/></driver>";


// On a libvirt network, or on the Open vSwitch bridge of the network when
// `ovs`. `filter`: the NIC's nwfilter, if the host enforces security groups.
// A container's NIC is a veth pair: no device model, no QEMU driver, and a
// host side named by vdc (`hostSide`).
// `physical`: the libvirt network's name.
std::string interfaceXml(const std::string& vdc, const std::string& network, const std::string& physical,
                         const std::string& mac, bool ovs, const std::string& filter = "",
                         const std::string& hostSide = "") {
  bool container = !hostSide.empty();
  std::string device = container ? "<target dev='" + hostSide + "'/>" : "<model type='virtio'/>";
  std::string xml =
      ovs ? "<interface type='bridge'><mac address='" + mac + "'/><source bridge='" +
                xmlEscape(ovs::bridgeName(vdc, network)) + "'/><virtualport type='openvswitch'/>" + device +
                (container ? "" : kNoChecksumOffload)
          : "<interface type='network'><mac address='" + mac + "'/><source network='" +
                xmlEscape(physical) + "'/>" + device;
  if (!filter.empty()) xml += "<filterref filter='" + xmlEscape(filter) + "'/>";
  return xml + "</interface>";
}

std::string strip(const std::string& vdc, const std::string& physical) {
  std::string prefix = vdc + ".";
  return physical.starts_with(prefix) ? physical.substr(prefix.size()) : physical;
}

}  // namespace

std::string consoleLogPath(const std::string& domain) { return "/var/log/libvirt/qemu/" + domain + ".console.log"; }

std::string LibvirtHypervisor::domainXml(const Ownership& owner, const std::string& uuid) {
  const Json& spec = owner.spec;
  bool appliance = owner.id.kind == Kind::LoadBalancer;
  std::string type = host_.settings().testDriver ? "test"
                     : appliance                   ? host_.settings().loadBalancer.hypervisor
                                                   : InstanceSpec(spec).hypervisor();
  bool container = type == "lxc";
  uint64_t memory = appliance ? parseSize(kApplianceMemory).value_or(0) : InstanceSpec(spec).memory();

  std::string name = records_.nameOf(owner.vdc, owner.id);
  auto network = [&](const std::string& network) { return records_.nameOf(owner.vdc, {Kind::Network, network}); };
  std::string xml = "<domain type='" + type + "'><name>" + xmlEscape(name) + "</name>";
  if (!uuid.empty()) xml += "<uuid>" + uuid + "</uuid>";
  xml += "<metadata>" + ownerElement(owner) + "</metadata>";
  xml += "<memory unit='KiB'>" + std::to_string(memory / 1024) + "</memory>";
  xml += "<vcpu>" + std::to_string(appliance ? 1 : InstanceSpec(spec).cpus()) + "</vcpu>";
  // A container with no network of its own shares the host's: privnet
  // gives it one even before it has a NIC.
  xml += container ? "<os><type>exe</type><init>/sbin/init</init></os><features><privnet/></features>"
                   : "<os><type>hvm</type></os>";
  xml += "<devices>";
  xml += container ? containerFileSystems(owner) : disks(owner);
  if (appliance) {
    std::string on = spec.at("network").get<std::string>();
    xml += interfaceXml(owner.vdc, on, network(on), macAddress(owner.vdc, volumes_.diskOwner(owner), 0), onOvs());
  } else {
    std::string named = volumes_.diskOwner(owner);  // a renamed instance keeps its MACs
    const Json& nics = spec.value("interfaces", Json::array());
    for (size_t i = 0; i < nics.size(); ++i)
      xml += interfaceXml(owner.vdc, nics[i].at("network").get<std::string>(),
                          network(nics[i].at("network").get<std::string>()), macAddress(owner.vdc, named, i),
                          onOvs(), filtered(nics[i]) ? nicFilterName(owner.vdc, named, i) : "",
                          container ? containerNicName(owner.vdc, named, i) : "");
  }
  if (type == "qemu" || type == "kvm") {
    // The serial console, kept in a file on the host across boots: what an
    // operator reads first when a guest misbehaves.
    std::string log = consoleLogPath(name);
    xml += "<serial type='pty'><log file='" + xmlEscape(log) + "' append='on'/></serial>"
           "<console type='pty'><target type='serial'/></console>";
  }
  if (container) xml += "<console type='pty'/>";  // libvirt's LXC driver has no other kind
  return xml + "</devices></domain>";
}

// A virtual machine's disks: its root disk, its Volumes, its seed CD-ROM.
// An appliance's root disk is its own copy of the appliance image, in that image's format.
std::string LibvirtHypervisor::disks(const Ownership& owner) {
  const Json& spec = owner.spec;
  bool appliance = owner.id.kind == Kind::LoadBalancer;
  std::string name = volumes_.diskOwner(owner);
  std::string xml;
  char dev = 'a';
  if (volumes_.hasRootDisk(owner)) {
    std::string root = rootDiskName(owner.vdc, name);
    std::string format = appliance ? xmlEscape(host_.settings().loadBalancer.format) : "qcow2";
    xml += "<disk type='volume' device='disk'><driver name='qemu' type='" + format + "'/><source pool='" +
           xmlEscape(host_.poolFor(kStandardStorageClass)) + "' volume='" + xmlEscape(root) + "'/><target dev='vd" +
           std::string(1, dev++) + "' bus='virtio'/></disk>";
  }
  for (const auto& attachment : spec.value("volumes", Json::array())) {
    std::string volume = attachment.at("volume").get<std::string>();
    std::string target = attachment.value("device", std::string("vd") + dev++);
    // The volume lives in the pool of its storage class, which its record knows.
    auto record = records_.find(owner.vdc, {Kind::Volume, volume});
    std::string storageClass = record ? VolumeSpec(record->spec).storageClass() : kStandardStorageClass;
    // vdc makes qcow2 volumes (under its names, renamed or not); an adopted
    // one is in whatever format it was.
    std::string physical = records_.nameOf(owner.vdc, {Kind::Volume, volume});
    auto made = volumeResource(owner.vdc, physical);
    std::string format = made && made->kind == Kind::Volume ? "qcow2"
                                                            : diskFormat(storage_.volume(storageClass, physical).format);
    xml += "<disk type='volume' device='disk'><driver name='qemu' type='" + format + "'/><source pool='" +
           xmlEscape(host_.poolFor(storageClass)) + "' volume='" + xmlEscape(physical) + "'/><target dev='" +
           xmlEscape(target) +
           "' bus='virtio'/></disk>";
  }
  if (volumes_.hasSeed(owner)) {
    xml += "<disk type='volume' device='cdrom'><driver name='qemu' type='raw'/><source pool='" +
           xmlEscape(host_.poolFor(kStandardStorageClass)) + "' volume='" + xmlEscape(seedName(owner.vdc, name)) +
           "'/><target dev='hdc' bus='ide'/><readonly/></disk>";
  }
  return xml;
}

// A container's root file system (the copy of its image) and its seed where
// cloud-init looks for one, each a raw file libvirt mounts through a loop device.
std::string LibvirtHypervisor::containerFileSystems(const Ownership& owner) {
  auto mount = [&](const std::string& volume, const std::string& target, bool readOnly) {
    return "<filesystem type='file' accessmode='passthrough'><driver type='loop' format='raw'/><source file='" +
           xmlEscape(storage_.volume(kStandardStorageClass, volume).path) + "'/><target dir='" + target + "'/>" +
           (readOnly ? "<readonly/>" : "") + "</filesystem>";
  };
  std::string name = volumes_.diskOwner(owner);
  return mount(rootDiskName(owner.vdc, name), "/", false) +
         mount(seedName(owner.vdc, name), "/var/lib/cloud/seed/nocloud", true);
}

std::optional<std::string> LibvirtHypervisor::cannotRun(const ResourceId& id) const {
  if (id.kind != Kind::LoadBalancer || host_.settings().testDriver || !host_.settings().loadBalancer.source.empty())
    return std::nullopt;
  return id.str() + ": " + host_.settings().uri +
         " has no load balancer appliance: name its image in the Target (appliances.loadBalancer.source)";
}

// The plan checks this too (LibvirtDatacenter::checkFits); a saved plan is
// applied without planning again.
void LibvirtHypervisor::prepare(const ApplyIntent& intent) {
  shutdownTimeout_ = intent.shutdownTimeout;
  bool appliance = false;
  for (const auto& owner : intent.intended) {
    if (auto why = cannotRun(owner.id)) throw Error(*why);
    appliance = appliance || (owner.id.kind == Kind::LoadBalancer && volumes_.hasRootDisk(owner));
  }
  // Its image is checked before anything is written, as a VDC's are (storage.cc).
  const ApplianceImage& image = host_.settings().loadBalancer;
  if (appliance) checkLocalImage(image.source, image.format, HostFileRule{});
  volumes_.prepare(intent.intended, intent.files);
}

Json LibvirtHypervisor::observe(const std::string& vdc, Kind kind, const XmlDocument& doc, xmlNodePtr domain,
                                const Json& recorded, bool running, bool hypervisorVisible, Attachments* attached) {
  Json observed = Json::object();
  std::vector<std::string> networks;
  // An Open vSwitch bridge is named by a digest: the network is the recorded
  // one whose bridge it is.
  std::map<std::string, std::string> bridges;
  for (const auto& nic : recorded.value("interfaces", Json::array()))
    bridges[ovs::bridgeName(vdc, nic.value("network", ""))] = nic.value("network", "");
  for (xmlNodePtr node : doc.nodes("devices/interface/source", domain)) {
    if (auto network = XmlDocument::attribute(node, "network")) {
      networks.push_back(strip(vdc, *network));
    } else {
      std::string bridge = XmlDocument::attribute(node, "bridge").value_or("");
      networks.push_back(bridges.count(bridge) ? bridges[bridge] : bridge);
    }
  }

  observed["state"] = running ? "running" : "stopped";
  if (kind == Kind::LoadBalancer) {
    if (!networks.empty()) observed["network"] = networks.front();
    return observed;
  }
  observed["cpus"] = std::atol(doc.text("vcpu", domain).value_or("0").c_str());
  auto memory = doc.nodes("memory", domain);
  uint64_t bytes = scaledBytes(memory.empty() ? nullptr : memory.front(), "KiB").value_or(0);
  // qemu runs a guest with its memory aligned up to a whole MiB (x86): a
  // running one's definition shows that, where the recorded size is asked.
  constexpr uint64_t kMiB = 1 << 20;
  uint64_t asked = parseSize(recorded.value("memory", "")).value_or(0);
  if (running && asked % kMiB != 0 && bytes == (asked / kMiB + 1) * kMiB) bytes = asked;
  observed["memory"] = formatSize(bytes);
  if (hypervisorVisible) observed["hypervisor"] = doc.text("@type", domain).value_or("");

  // Interfaces and volumes: what libvirt shows (networks, volumes) laid over
  // what only the record knows (addresses, groups, device names).
  Json nics = Json::array();
  const Json& wantedNics = recorded.value("interfaces", Json::array());
  for (size_t i = 0; i < networks.size(); ++i) {
    Json nic = i < wantedNics.size() ? wantedNics[i] : Json{{"network", networks[i]}, {"securityGroups", Json::array()}};
    nic["network"] = networks[i];
    nics.push_back(nic);
  }
  observed["interfaces"] = nics;

  Json volumes = Json::array();
  const Json& wantedVolumes = recorded.value("volumes", Json::array());
  for (xmlNodePtr node : doc.nodes("devices/disk[@device='disk']/source", domain)) {
    // By its name on the target (or a file path, an adopted domain's disk):
    // named as a resource once the VDC's record and the volumes are seen
    // (finishRead, nameAdopted).
    std::string physical = XmlDocument::attribute(node, "volume").value_or(XmlDocument::attribute(node, "file").value_or(""));
    if (rootDiskInstance(vdc, physical)) continue;
    if (attached) attached->push_back({XmlDocument::attribute(node, "pool").value_or(""), physical});
    size_t i = volumes.size();
    Json attachment = i < wantedVolumes.size() ? wantedVolumes[i] : Json{{"volume", physical}};
    attachment["volume"] = physical;
    volumes.push_back(attachment);
  }
  observed["volumes"] = volumes;
  return observed;
}

void LibvirtHypervisor::visit(const std::string& vdc, const HostObject& object, LiveState& into) {
  if (object.type == HostObject::Type::Volume) return visitVolume(vdc, object);
  if (object.type == HostObject::Type::Pool) inactivePools_.insert(object.name);
  if (object.type != HostObject::Type::Domain) return;
  auto owner = ownerOf(object.doc, object.node);
  if (!owner) unowned_.push_back(describeDomain(object, !host_.settings().testDriver));
  auto named = domainResource(vdc, object.name);
  auto id = named;
  // An adopted or renamed domain keeps its name, which the VDC's record
  // lists: it is believed in finishRead, once the scan has seen that
  // record. A record alone, copied onto any domain, proves nothing.
  bool byRecord = owner && owner->vdc == vdc && owner->id.kind == Kind::Instance && (!id || *id != owner->id);
  if (byRecord) id = owner->id;
  if (!id) return;
  if (!owner || owner->vdc != vdc || owner->id != *id) {
    into.addForeign({*id, object.name, owner ? owner->vdc : ""});
    return;
  }
  Attachments attached;
  Json observed = observe(vdc, id->kind, object.doc, object.node, owner->spec, object.running,
                          !host_.settings().testDriver, &attached);
  seenDomains_.push_back({*id, object.name, owner->specHash, owner->spec, std::move(observed)});
  seenAttachments_.push_back(std::move(attached));
  if (byRecord) claimed_[object.name] = named;
}

void LibvirtHypervisor::visitVolume(const std::string& vdc, const HostObject& object) {
  volumeAt_[object.doc.text("target/path", object.node).value_or("")] = object.name;
  volumeNames_.insert(object.name);
  volumesIn_.insert(object.pool + '\n' + object.name);
  if (auto image = volumeResource(vdc, object.name); image && image->kind == Kind::Image)
    imagePaths_[object.doc.text("target/path", object.node).value_or("")] = image->name;
  else if (auto instance = rootDiskInstance(vdc, object.name))
    rootBacking_[*instance] = object.doc.text("backingStore/path", object.node).value_or("");
}

// An instance's image is what its root disk is a child of: a root disk that
// is gone, or a child of something else, shows as a different image. A
// container's root disk is a copy, which keeps no link to its image: while
// it exists, it is of the recorded image.
void LibvirtHypervisor::finishRead(const std::string& vdc, LiveState& into) {
  // The standard pool stopped: root disks cannot be seen.
  bool rootPoolInactive = inactivePools_.count(host_.poolFor(kStandardStorageClass)) > 0;
  for (size_t i = 0; i < seenDomains_.size(); ++i) {
    LiveObject& object = seenDomains_[i];
    auto named = domainResource(vdc, object.physicalName);
    auto kept = records_.adoptedAs(vdc, object.id.kind, object.physicalName);
    if (auto claim = claimed_.find(object.physicalName); claim != claimed_.end() && kept != object.id) {
      into.addForeign({claim->second.value_or(object.id), object.physicalName, vdc});
      continue;
    }
    // Renamed, and stopped before its own record said so: the VDC's record
    // is the word; its own is written again by the next apply.
    if (kept && *kept != object.id) {
      object.id = *kept;
      object.specHash.clear();
    }
    reserveKeptName(into, vdc, named, object.physicalName, object.id);
    nameAdopted(vdc, object.observed);
    forgetDetached(object.observed, seenAttachments_[i]);
    if (std::string missing = missingDisks(vdc, object.id); !missing.empty() && !rootPoolInactive)
      object.observed["hostState"] = missing;
    if (object.id.kind == Kind::Instance && object.recorded.contains("image")) {
      auto root = rootBacking_.find(records_.diskOwner(vdc, object.id));
      auto image = root == rootBacking_.end() ? imagePaths_.end() : imagePaths_.find(root->second);
      bool copy = root != rootBacking_.end() && root->second.empty() && object.observed.value("hypervisor", "") == "lxc";
      // Unseen in a stopped pool is not gone: starting the pool repairs it (storage.cc).
      bool unseen = root == rootBacking_.end() && rootPoolInactive;
      object.observed["image"] = copy || unseen ? object.recorded["image"]
                                 : image == imagePaths_.end() ? Json() : Json(image->second);
    }
    into.add(std::move(object));
  }
  // An instance whose domain is gone but whose disks are still there (it
  // was deleted by hand): what is left is the VDC's, to delete or make anew.
  std::set<ResourceId> seen;
  for (const auto& object : into.objects()) seen.insert(object.first);
  for (const auto& [id, record] : records_.records(vdc)) {
    if ((id.kind != Kind::Instance && id.kind != Kind::LoadBalancer) || seen.count(id) || !record.spec.is_object())
      continue;
    // Its disks are in the standard pool; while that is stopped they are
    // unseen, not gone.
    std::string left;
    for (const auto& [role, volume] : record.spec.items())
      if (volume.is_string() && left.empty() && (rootPoolInactive || volumeNames_.count(volume.get<std::string>())))
        left = volume.get<std::string>();
    // A virtual machine's root disk (a copy-on-write child) is kept for it
    // when it is made again; a container's copy and an appliance's are
    // made anew, so what is left of them goes first (a replace).
    // While the pool is stopped, which it is cannot be seen.
    auto root = rootBacking_.find(records_.diskOwner(vdc, id));
    bool copied = root != rootBacking_.end() && root->second.empty();
    if (left.empty() || (id.kind == Kind::Instance && !copied && !rootPoolInactive)) {
      into.addMissing(id, records_.nameOf(vdc, id));
      continue;
    }
    LiveObject orphan{id, left, "", Json::object(), {{"state", "absent"}}};
    orphan.orphaned = true;
    into.add(std::move(orphan));
  }
  // A renamed or adopted machine whose domain is gone, disks or not: its
  // name stays the VDC's until it is deleted or made again, and a renamed
  // one's is no other resource's to take meanwhile.
  for (const auto& [id, physical] : records_.keptNames(vdc))
    if (id.kind == Kind::Instance && !into.find(id) && !into.isMissing(id)) into.addMissing(id, physical);
  for (const auto& [id, physical] : into.missing())
    if (id.kind == Kind::Instance) reserveKeptName(into, vdc, domainResource(vdc, physical), physical, id);
  for (auto& domain : unowned_) {
    nameDiskPaths(domain, [&](const std::string& path) {
      auto it = volumeAt_.find(path);
      return it == volumeAt_.end() ? std::string() : it->second;
    });
    // A machine this VDC forgot: its root disk and seed are no Volumes, and come back with it.
    if (Json& observed = domain.unowned.observed; observed.contains("volumes") && observed["volumes"].is_array()) {
      Json& volumes = observed["volumes"];
      Json kept = Json::array();
      for (const auto& attached : volumes) {
        std::string volume = attached.value("volume", "");
        bool ownDisk = rootDiskInstance(vdc, volume) || seedInstance(vdc, volume);
        if (!(ownDisk && records_.forgotten(vdc, volume))) kept.push_back(attached);
      }
      volumes = std::move(kept);
    }
    into.addUnowned(std::move(domain.unowned));
  }
  unowned_.clear();
  volumeAt_.clear();
  volumeNames_.clear();
  volumesIn_.clear();
  inactivePools_.clear();
  seenAttachments_.clear();
  seenDomains_.clear();
  claimed_.clear();
  imagePaths_.clear();
  rootBacking_.clear();
  }

// A seed, or an appliance's root disk, deleted by hand from under its
// domain: drift, which an update repairs by making it again. (An
// instance's root disk shows as its image instead: it is made anew.)
std::string LibvirtHypervisor::missingDisks(const std::string& vdc, const ResourceId& id) {
  auto record = records_.find(vdc, id);
  if (!record || !record->spec.is_object()) return "";
  std::string missing;
  for (const auto& [role, volume] : record->spec.items())
    if (volume.is_string() && (role == "seed" || id.kind == Kind::LoadBalancer) &&
        !volumeNames_.count(volume.get<std::string>()))
      missing += (missing.empty() ? "volume " : ", ") + volume.get<std::string>();
  return missing.empty() ? "" : missing + " missing";
}

// A disk whose volume is gone from the pool it names (the Volume was made
// again in another pool, or deleted by hand) attaches nothing: it shows as
// no volume, which the next plan puts right. A stopped pool's volumes are
// unseen, not gone.
void LibvirtHypervisor::forgetDetached(Json& observed, const Attachments& attached) const {
  if (!observed.contains("volumes")) return;  // an appliance's
  Json& volumes = observed["volumes"];
  for (size_t i = 0; i < attached.size() && i < volumes.size(); ++i) {
    const auto& [pool, volume] = attached[i];
    if (!pool.empty() && !inactivePools_.count(pool) && !volumesIn_.count(pool + '\n' + volume))
      volumes[i]["volume"] = nullptr;
  }
}

// The networks and volumes a domain names, by their resource names: the
// names adopted and renamed ones keep are the VDC's record's to say, the
// rest are the names vdc derives, and disks may be given by file path.
void LibvirtHypervisor::nameAdopted(const std::string& vdc, Json& observed) {
  auto rename = [&](Json& list, const char* field, Kind kind) {
    for (auto& entry : list) {
      std::string physical = entry.value(field, "");
      auto path = kind == Kind::Volume ? volumeAt_.find(physical) : volumeAt_.end();
      if (path != volumeAt_.end()) physical = path->second;
      auto id = records_.adoptedAs(vdc, kind, physical);
      if (!id && kind == Kind::Volume && path == volumeAt_.end()) id = volumeResource(vdc, physical);
      if (id) entry[field] = id->name;
    }
  };
  if (observed.contains("interfaces")) rename(observed["interfaces"], "network", Kind::Network);
  if (observed.contains("volumes")) rename(observed["volumes"], "volume", Kind::Volume);
}

// Containers are domains of the host's LXC driver, the rest of its QEMU one.
virConnectPtr LibvirtHypervisor::connectionFor(const Json& spec) {
  bool container = !host_.settings().testDriver && InstanceSpec(spec).container();
  return container ? host_.containers() : host_.connection();
}

void LibvirtHypervisor::read(const std::string& vdc, LiveState& into) { readHost(host_, records_, {this}, vdc, into); }

// A NIC in no security group has no filter: its network is its boundary,
// and a filter would cost its domain seconds at every start, one domain at
// a time (docs/decisions.md, docs/performance.md).
bool LibvirtHypervisor::filtered(const Json& nic) const {
  return enforcesGroups() && !nic.value("securityGroups", Json::array()).empty();
}

// Each filtered NIC's filter, before the domain that names it.
void LibvirtHypervisor::defineNicFilters(const Ownership& owner) {
  const Json& nics = owner.spec.value("interfaces", Json::array());
  for (size_t i = 0; i < nics.size(); ++i) {
    if (!filtered(nics[i])) continue;
    std::vector<std::string> groups;
    for (const auto& group : nics[i].value("securityGroups", Json::array())) groups.push_back(group);
    std::string name = nicFilterName(owner.vdc, volumes_.diskOwner(owner), i);
    defineFilter(host_.connection(), name,
                 nicFilterXml(name, owner.vdc, groups, restrictsEgress(records_, owner.vdc, groups)));
  }
}

void LibvirtHypervisor::define(const Ownership& owner, const std::string& uuid, bool restart) {
  std::string name = records_.nameOf(owner.vdc, owner.id);
  if (owner.id.kind == Kind::Instance && enforcesGroups())
    timedStep(name, "filters", [&] { defineNicFilters(owner); });
  std::string xml = domainXml(owner, uuid);
  // Validation against libvirt's RelaxNG schema re-reads the schema on every
  // call (milliseconds each) and is not thread-safe in process; the daemon of
  // a real host validates, the embedded datacenter trusts our generated XML.
  unsigned int flags = host_.settings().testDriver ? 0 : VIR_DOMAIN_DEFINE_VALIDATE;
  DomainHandle dom;
  timedStep(name, "define", [&] { dom.reset(virDomainDefineXMLFlags(connectionFor(owner.spec), xml.c_str(), flags)); });
  if (!dom) throw libvirtError("cannot define domain " + name);
  bool wantRunning = InstanceSpec(owner.spec).running();
  int active = virDomainIsActive(dom.get());
  if (active < 0) throw libvirtError("cannot read state of " + name);
  if (active == 1 && restart) {
    // A changed definition takes effect on the next boot: restart now.
    stop(dom.get(), name, owner.spec);
    active = 0;
  }
  // Running on, it is read by its live definition (inventory.cc): the
  // record there says what it now is too.
  if (active == 1 && wantRunning) recordOwner(dom.get(), owner, name);
  if (wantRunning && active == 0) {
    int started = 0;
    timedStep(name, "start", [&] { started = virDomainCreate(dom.get()); });
    if (started < 0) throw libvirtError("cannot start domain " + name);
  }
  if (!wantRunning && active == 1) stop(dom.get(), name, owner.spec);
}

// Forced off at once, as fast as the hypervisor allows, unless the command
// or the instance gives a shutdown timeout: then the guest is asked to shut
// down (ACPI) and given that long before it is forced off.
void LibvirtHypervisor::stop(virDomainPtr dom, const std::string& name, const Json& spec) {
  auto timeout = shutdownTimeout_ ? shutdownTimeout_ : InstanceSpec(spec).shutdownTimeout();
  if (timeout && virDomainShutdown(dom) == 0) {
    auto deadline = std::chrono::steady_clock::now() + *timeout;
    while (virDomainIsActive(dom) == 1 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  timedStep(name, "stop", [&] {
    if (virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0) throw libvirtError("cannot stop domain " + name);
  });
}

void LibvirtHypervisor::create(const Ownership& owner) {
  // Made again after it was deleted by hand, a renamed or adopted machine keeps its name.
  std::string name = records_.nameOf(owner.vdc, owner.id);
  DomainHandle existing(virDomainLookupByName(connectionFor(owner.spec), name.c_str()));
  if (existing) throw Error("domain '" + name + "' already exists and is not owned by this VDC");
  volumes_.create(owner);
  define(owner, "", false);
}

void LibvirtHypervisor::update(const Ownership& owner, const LiveObject& live) {
  DomainHandle dom(virDomainLookupByName(connectionFor(owner.spec), live.physicalName.c_str()));
  if (!dom) throw libvirtError("cannot find domain " + live.physicalName);
  char uuid[VIR_UUID_STRING_BUFLEN];
  if (virDomainGetUUIDString(dom.get(), uuid) < 0) throw libvirtError("cannot read uuid of " + live.physicalName);
  // What the guest reads at boot (a field the schema marks, a new key) takes effect on a restart.
  bool restart = takesARestart(owner.id.kind, live.effective(), owner.spec);
  // A disk deleted by hand from under it (finishRead); an appliance boots its root disk again.
  if (live.observed.contains("hostState")) restart = volumes_.remakeMissing(owner) || restart;
  if (restart) volumes_.update(owner);
  define(owner, uuid, restart);
  undefineFiltersLeft(owner.vdc, owner.id, live.recorded, owner.spec);
}

// The filters of NICs that had one (by the record) and have none now: a NIC
// that left every group, or is gone. Called once no definition names them
// (a change of interfaces restarts a running domain). Only filters that were
// made are looked up: a lookup that fails is a round trip per NIC.
void LibvirtHypervisor::undefineFiltersLeft(const std::string& vdc, const ResourceId& id, const Json& recorded,
                                            const Json& wanted) {
  if (id.kind != Kind::Instance) return;
  const Json& had = recorded.value("interfaces", Json::array());
  const Json& has = wanted.value("interfaces", Json::array());
  for (size_t i = 0; i < had.size(); ++i)
    if (filtered(had[i]) && !(i < has.size() && filtered(has[i])))
      undefineFilter(host_.connection(), nicFilterName(vdc, records_.diskOwner(vdc, id), i));
}

// Its name is kept first, so a domain found with a record is always known
// by that name.
void LibvirtHypervisor::adopt(const Ownership& owner) {
  DomainHandle dom(virDomainLookupByName(connectionFor(owner.spec), owner.physical.c_str()));
  if (!dom) throw libvirtError("cannot find domain " + owner.physical);
  records_.keepName(owner.vdc, owner.id, owner.physical);
  recordOwner(dom.get(), owner, owner.physical);
  // A machine this VDC forgot takes back the root disk and seed it had:
  // those it attaches, and only those.
  XmlDocument doc(takeString(virDomainGetXMLDesc(dom.get(), VIR_DOMAIN_XML_INACTIVE), "XML of " + owner.physical),
                  "domain XML");
  std::set<std::string> attached;
  for (xmlNodePtr source : doc.nodes("devices/disk/source"))
    attached.insert(XmlDocument::attribute(source, "volume").value_or(""));
  Json disks = Json::object();
  std::string named = volumes_.diskOwner(owner);
  for (auto [role, volume] : {std::pair{"rootDisk", rootDiskName(owner.vdc, named)},
                              std::pair{"seed", seedName(owner.vdc, named)}})
    if (attached.count(volume) && records_.forgotten(owner.vdc, volume)) disks[role] = volume;
  if (disks.empty()) return;
  records_.putDurably({{owner.vdc, owner.id, "instance-volumes", disks}});
  for (const auto& [role, volume] : disks.items()) records_.takeBack(owner.vdc, volume.get<std::string>());
}

// The record in the domain's own metadata, for its definition and, if it
// runs, its live state.
void LibvirtHypervisor::recordOwner(virDomainPtr dom, const Ownership& owner, const std::string& physical) {
  int active = virDomainIsActive(dom);
  unsigned int flags = VIR_DOMAIN_AFFECT_CONFIG | (active == 1 ? VIR_DOMAIN_AFFECT_LIVE : 0);
  if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, bareOwnerElement(owner).c_str(), "vdc",
                           kOwnershipNamespace, flags) < 0)
    throw libvirtError("cannot record ownership on domain " + physical);
}

// The VDC's record first, in one write: from then on the domain is read as
// the new resource (finishRead), whatever its own record says; then its
// own record. It keeps its name, its disks and its MACs, and runs on.
void LibvirtHypervisor::rename(const std::string& vdc, const LiveObject& live, const ResourceId& to) {
  if (live.id.kind != Kind::Instance) throw Error(live.id.str() + ": an appliance is made anew under a new name");
  DomainHandle dom(virDomainLookupByName(connectionFor(live.recorded), live.physicalName.c_str()));
  if (!dom) throw libvirtError("cannot find domain " + live.physicalName);
  records_.rename(vdc, live.id, to, live.physicalName);
  recordOwner(dom.get(), {vdc, to, live.specHash, live.recorded}, live.physicalName);
}

void LibvirtHypervisor::forget(const std::string& vdc, const LiveObject& live) {
  if (live.id.kind != Kind::Instance || InstanceSpec(live.recorded).container())
    throw Error(live.id.str() + ": only a virtual machine can be forgotten: vdc cannot adopt " +
                (live.id.kind == Kind::Instance ? "a container" : "a load balancer's appliance") + " again");
  DomainHandle dom(virDomainLookupByName(connectionFor(live.recorded), live.physicalName.c_str()));
  if (!dom) throw libvirtError("cannot find domain " + live.physicalName);
  int active = virDomainIsActive(dom.get());
  unsigned int flags = VIR_DOMAIN_AFFECT_CONFIG | (active == 1 ? VIR_DOMAIN_AFFECT_LIVE : 0);
  if (virDomainSetMetadata(dom.get(), VIR_DOMAIN_METADATA_ELEMENT, nullptr, nullptr, kOwnershipNamespace, flags) < 0)
    throw libvirtError("cannot remove the record of domain " + live.physicalName);
  // Its root disk and seed go with it, kept aside for its adoption back.
  if (auto disks = records_.find(vdc, live.id))
    for (const auto& [role, volume] : disks->spec.items())
      if (volume.is_string()) records_.forgetVolume(vdc, volume.get<std::string>());
  records_.erase(vdc, live.id);
  records_.forgetName(vdc, live.id);
}

void LibvirtHypervisor::release(const std::string&, const LiveObject& live, const std::vector<ResourceId>&) {
  auto dom = lookupOrNull<DomainHandle>(virDomainLookupByName(connectionFor(live.recorded), live.physicalName.c_str()),
                                        "domain " + live.physicalName);
  if (!dom) return;  // gone: it holds nothing
  int active = virDomainIsActive(dom.get());
  if (active < 0) throw libvirtError("cannot read state of " + live.physicalName);
  if (active == 1) stop(dom.get(), live.physicalName, live.recorded);
}

void LibvirtHypervisor::remove(const std::string& vdc, const LiveObject& live) {
  auto dom = lookupOrNull<DomainHandle>(virDomainLookupByName(connectionFor(live.recorded), live.physicalName.c_str()),
                                        "domain " + live.physicalName);
  if (dom) {
    stop(dom.get(), live.physicalName, live.recorded);
    if (virDomainUndefine(dom.get()) < 0) throw libvirtError("cannot undefine domain " + live.physicalName);
  }
  volumes_.remove(vdc, live.id);
  undefineFiltersLeft(vdc, live.id, live.recorded, Json::object());  // named after the name it keeps
  records_.forgetName(vdc, live.id);
}

}  // namespace vdc::libvirt
