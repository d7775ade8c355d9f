#include "providers/libvirt/datacenter.h"
#include "providers/libvirt/open.h"

#include <sys/statvfs.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "engine/kinds/instance.h"
#include "engine/kinds/volume.h"
#include "engine/lock.h"
#include "base/safe_file.h"
#include "engine/units.h"
#include "providers/libvirt/host_lock.h"
#include "providers/libvirt/ownership.h"

namespace vdc::libvirt {

namespace fs = std::filesystem;

LibvirtDatacenter::LibvirtDatacenter(HostSettings settings)
    : host_(std::move(settings)),
      records_(host_),
      storage_(host_, records_),
      switch_(host_, records_),
      hypervisor_(host_, records_, storage_),
      registry_(host_, records_) {
  if (host_.settings().ovsSocket.empty()) return;
  ovsSwitch_ = std::make_unique<ovs::OvsSwitch>(
      ovs::SwitchSettings{host_.settings().ovsSocket, host_.settings().ovsDatapath});
  hypervisor_.instanceVolumes().setAddressing(
      [this](const std::string& vdc, const std::string& network) -> std::optional<InstanceVolumes::NetworkAddressing> {
        auto spec = ovsSwitch_->networkSpec(vdc, network);
        auto cidr = spec ? Cidr::parse(spec->value("cidr", "")) : std::nullopt;
        if (!cidr) return std::nullopt;
        return InstanceVolumes::NetworkAddressing{cidr->prefix, spec->value("gateway", "")};
      });
}

std::string LibvirtDatacenter::describe() const { return host_.settings().uri; }

std::shared_ptr<LockService> LibvirtDatacenter::ownLocks() const {
  return std::make_shared<HostLocks>(host_.settings().uri, host_.settings().lockLease);
}

std::vector<Provider*> LibvirtDatacenter::providers() {
  if (ovsSwitch_) return {&registry_, ovsSwitch_.get(), &storage_, &hypervisor_};
  return {&registry_, &switch_, &storage_, &hypervisor_};
}

LiveState LibvirtDatacenter::read(const std::string& vdc) {
  LiveState state;
  if (ovsSwitch_) {
    readHost(host_, records_, {&registry_, &storage_, &hypervisor_}, vdc, state);
    ovsSwitch_->read(vdc, state);
  } else {
    readHost(host_, records_, {&registry_, &switch_, &storage_, &hypervisor_}, vdc, state);
  }
  return state;
}

void LibvirtDatacenter::checkFits(const Vdc& desired, Diagnostics& problems) {
  // An adopted machine keeps the name it came with, from which nothing of it
  // is derived: renamed in place, its MACs and NIC filters would not follow.
  auto kept = records_.keptNames(desired.name);
  for (const auto& r : desired.resources) {
    auto name = r.renamedFrom.empty() ? kept.end() : kept.find({r.id.kind, r.renamedFrom});
    if (r.id.kind == Kind::Instance && name != kept.end() && !domainResource(desired.name, name->second))
      problems.add(r.where, r.id.str() + ": Instance/" + r.renamedFrom + " was adopted under its own name '" + name->second +
                                "', and vdc renames in place only what it made; drop " + kRenamedFromAnnotation +
                                " to make it anew under the new name");
  }
  if (host_.settings().testDriver) return;  // the embedded datacenter makes pools on demand and runs every kind
  std::map<std::string, Location> classes;  // images, root disks and seeds are in the standard class
  for (const auto& r : desired.resources) {
    if (auto why = hypervisor_.cannotRun(r.id)) problems.add(r.where, *why);
    if (r.id.kind == Kind::Instance && InstanceSpec(r.spec).container() && !host_.containerConnection())
      problems.add(r.where, r.id.str() + " has hypervisor lxc, and " + host_.settings().uri +
                                " has no LXC driver (" + host_.containerUri() + " does not answer)");
    if (r.id.kind == Kind::Image || r.id.kind == Kind::Instance || r.id.kind == Kind::LoadBalancer)
      classes.emplace(kStandardStorageClass, r.where);
    else if (r.id.kind == Kind::Volume)
      classes.emplace(VolumeSpec(r.spec).storageClass(), r.where);
  }
  if (!ovsSwitch_) switch_.checkBridges(desired, problems);
  for (const auto& [storageClass, where] : classes) {
    std::string pool = host_.poolFor(storageClass);
    if (lookupOrNull<PoolHandle>(virStoragePoolLookupByName(host_.connection(), pool.c_str()), "storage pool " + pool))
      continue;
    problems.add(where, "storage class '" + storageClass + "' needs storage pool '" + pool + "', which " +
                            host_.settings().uri + " does not have (map the class to a pool in the Target's "
                            "storageClasses)");
  }
}

static std::string absoluteNodeFile(const std::string& file) { return fs::absolute(file).lexically_normal().string(); }

std::optional<uint64_t> LibvirtDatacenter::freeStorage() {
  std::set<std::string> pools{host_.poolFor(kStandardStorageClass)};
  for (const auto& [storageClass, pool] : host_.settings().pools) pools.insert(pool);
  std::optional<uint64_t> free;
  for (const auto& name : pools) {
    auto pool = lookupOrNull<PoolHandle>(virStoragePoolLookupByName(host_.connection(), name.c_str()), "storage pool " + name);
    virStoragePoolInfo info{};
    if (!pool) continue;
    if (virStoragePoolGetInfo(pool.get(), &info) < 0) throw libvirtError("cannot read storage pool " + name);
    if (info.state == VIR_STORAGE_POOL_RUNNING) free = free.value_or(0) + info.available;
  }
  return free;
}

std::optional<uint64_t> EmbeddedDatacenter::freeStorage() {
  struct statvfs fsInfo {};
  if (statvfs(fs::path(file_).parent_path().c_str(), &fsInfo) != 0) return std::nullopt;
  return uint64_t{fsInfo.f_bavail} * fsInfo.f_frsize;
}

static HostSettings embeddedSettings(const std::string& absolute) {
  HostSettings settings;
  settings.uri = "test://" + absolute;
  settings.nodeFile = absolute;
  settings.createMissingPools = true;
  settings.testDriver = true;
  return settings;
}

// Nothing is made until the first change: a plan or a refused import leaves
// no trace. What is there is checked before it is read: a link or a FIFO at
// the file's name, or a directory others can write, is refused.
EmbeddedDatacenter::EmbeddedDatacenter(const std::string& file)
    : LibvirtDatacenter(embeddedSettings(absoluteNodeFile(file))),
      file_(absoluteNodeFile(file)) {
  fs::path directory = fs::path(file_).parent_path();
  if (fs::exists(fs::symlink_status(directory))) checkPrivateDirectory(directory.string());
  checkRegularFile(file_, kMaxNodeFileBytes);
  host_.setBeforeConnect([this] { takeFile(); });
}

// Several VDCs share one file, each process holding all of it in memory
// between reading and saving: the file's lock is taken before it is read
// into the connection and held until this datacenter is gone, so no apply
// saves over what another saved in between.
void EmbeddedDatacenter::takeFile() {
  fs::path directory = fs::path(file_).parent_path();
  checkPrivateDirectory(directory.string());
  fileLock_.emplace(file_ + ".lock", std::chrono::minutes(2), describe());
  if (!checkRegularFile(file_, kMaxNodeFileBytes)) vdc::replaceFile(file_, "<node>\n</node>\n");
}

std::string EmbeddedDatacenter::describe() const {
  std::string shown = fs::relative(file_, fs::current_path()).string();
  if (shown.empty() || shown.starts_with("..")) shown = file_;
  return "embedded datacenter " + shown;
}

std::shared_ptr<LockService> EmbeddedDatacenter::ownLocks() const {
  return std::make_shared<FileLocks>(fs::path(file_).parent_path().string());
}

namespace {

const char* kTestNamespace = "http://libvirt.org/schemas/domain/test/1.0";

// The test driver starts every domain of a node file unless told otherwise.
std::string withRunState(std::string xml, bool running) {
  auto close = xml.find('>');
  if (close == std::string::npos) throw Error("unexpected domain XML");
  xml.insert(close, std::string(" xmlns:test='") + kTestNamespace + "'");
  auto end = xml.rfind("</domain>");
  xml.insert(end, "  <test:runstate>" + std::to_string(running ? VIR_DOMAIN_RUNNING : VIR_DOMAIN_SHUTOFF) +
                      "</test:runstate>\n");
  return xml;
}

}  // namespace

std::string nodeXml(virConnectPtr conn) {
  std::string out = "<node>\n";
  virNetworkPtr* nets = nullptr;
  int n = virConnectListAllNetworks(conn, &nets, 0);
  for (auto& net : takeList<NetworkHandle>(nets, n, "cannot list networks"))
    out += networkDefinition(net.get());
  virStoragePoolPtr* pools = nullptr;
  n = virConnectListAllStoragePools(conn, &pools, 0);
  for (auto& pool : takeList<PoolHandle>(pools, n, "cannot list pools")) {
    std::string xml = takeString(virStoragePoolGetXMLDesc(pool.get(), 0), "pool XML");
    std::string volumes;
    virStorageVolPtr* vols = nullptr;
    int m = virStoragePoolListAllVolumes(pool.get(), &vols, 0);
    for (auto& vol : takeList<VolumeHandle>(vols, m, "cannot list volumes"))
      volumes += takeString(virStorageVolGetXMLDesc(vol.get(), 0), "volume XML");
    xml.insert(xml.rfind("</pool>"), volumes);
    out += xml;
  }
  virDomainPtr* doms = nullptr;
  n = virConnectListAllDomains(conn, &doms, 0);
  for (auto& dom : takeList<DomainHandle>(doms, n, "cannot list domains")) {
    bool running = virDomainIsActive(dom.get()) == 1;
    out += withRunState(takeString(virDomainGetXMLDesc(dom.get(), VIR_DOMAIN_XML_INACTIVE), "domain XML"), running);
  }
  return out + "</node>\n";
}

void EmbeddedDatacenter::commit() {
  if (!host_.connected()) return;  // nothing was changed: the file is the state
  LibvirtDatacenter::commit();
  save();
}

void EmbeddedDatacenter::save() {
  if (host_.connected()) vdc::replaceFile(file_, nodeXml());
}

DatacenterPtr openLibvirtDatacenter(HostSettings settings) {
  return std::make_unique<LibvirtDatacenter>(std::move(settings));
}

DatacenterPtr openEmbeddedDatacenter(const std::string& file) { return std::make_unique<EmbeddedDatacenter>(file); }

}  // namespace vdc::libvirt
