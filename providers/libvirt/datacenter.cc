#include "providers/libvirt/datacenter.h"

#include <filesystem>
#include <fstream>

#include "engine/units.h"

namespace vdc::libvirt {

namespace fs = std::filesystem;

LibvirtDatacenter::LibvirtDatacenter(HostSettings settings, std::string lockDirectory)
    : host_(std::move(settings)),
      lockDirectory_(std::move(lockDirectory)),
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

std::string LibvirtDatacenter::lockPath(const std::string& vdc) const {
  std::string target = host_.settings().uri;
  for (char& c : target)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return (fs::path(lockDirectory_) / (vdc + "@" + target + ".lock")).string();
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
  if (host_.settings().testDriver) return;  // the embedded datacenter makes pools on demand and runs every kind
  std::map<std::string, Location> classes;  // images, root disks and seeds are "standard"
  for (const auto& r : desired.resources) {
    if (auto why = hypervisor_.cannotRun(r.id)) problems.add(r.where, *why);
    if (r.id.kind == Kind::Instance && r.spec.value("hypervisor", "kvm") == "lxc" && !host_.containerConnection())
      problems.add(r.where, r.id.str() + " has hypervisor lxc, and " + host_.settings().uri +
                                " has no LXC driver (" + host_.containerUri() + " does not answer)");
    if (r.id.kind == Kind::Image || r.id.kind == Kind::Instance || r.id.kind == Kind::LoadBalancer)
      classes.emplace("standard", r.where);
    else if (r.id.kind == Kind::Volume)
      classes.emplace(r.spec.value("storageClass", "standard"), r.where);
  }
  for (const auto& [storageClass, where] : classes) {
    std::string pool = host_.poolFor(storageClass);
    PoolHandle handle(virStoragePoolLookupByName(host_.connection(), pool.c_str()));
    if (handle) continue;
    if (!lastErrorIsNotFound()) throw libvirtError("cannot look up storage pool " + pool);
    problems.add(where, "storage class '" + storageClass + "' needs storage pool '" + pool + "', which " +
                            host_.settings().uri + " does not have (map the class to a pool in the Target's "
                            "storageClasses)");
  }
}

static std::string prepareNodeFile(const std::string& file) {
  fs::path path = fs::absolute(file).lexically_normal();
  fs::create_directories(path.parent_path());
  if (!fs::exists(path)) {
    std::ofstream out(path);
    out << "<node>\n</node>\n";
    if (!out) throw Error("cannot create " + path.string());
  }
  return path.string();
}

static HostSettings embeddedSettings(const std::string& absolute) {
  HostSettings settings;
  settings.uri = "test://" + absolute;
  settings.nodeFile = absolute;
  settings.createMissingPools = true;
  settings.testDriver = true;
  return settings;
}

EmbeddedDatacenter::EmbeddedDatacenter(const std::string& file)
    : LibvirtDatacenter(embeddedSettings(prepareNodeFile(file)), fs::path(prepareNodeFile(file)).parent_path()),
      file_(fs::absolute(file).lexically_normal().string()) {}

std::string EmbeddedDatacenter::describe() const {
  std::string shown = fs::relative(file_, fs::current_path()).string();
  if (shown.empty() || shown.starts_with("..")) shown = file_;
  return "embedded datacenter " + shown;
}

std::string EmbeddedDatacenter::lockPath(const std::string& vdc) const {
  return (fs::path(file_).parent_path() / (vdc + ".lock")).string();
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
  if (host_.connected()) replaceFile(file_, nodeXml());
}

void replaceFile(const std::string& file, const std::string& content) {
  std::string temporary = file + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << content;
    out.flush();
    if (!out) throw Error("cannot write " + temporary);
  }
  fs::rename(temporary, file);
}

}  // namespace vdc::libvirt
