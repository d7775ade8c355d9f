#include "providers/libvirt/host.h"

#include <thread>

#include "base/safe_file.h"
#include "providers/libvirt/api/xml.h"

namespace vdc::libvirt {

Host::Host(HostSettings settings) : settings_(std::move(settings)) { quietLibvirtErrors(); }

// libvirtd serves at most a few calls of one client connection at once
// (max_client_requests, 5 by default) and queues the rest: on a real host
// each thread that works gets a connection of its own, so parallel
// operations wait for the host, never for one another. The embedded
// datacenter's state lives in its one connection.
virConnectPtr Host::connection() {
  std::thread::id self = std::this_thread::get_id();
  {
    std::lock_guard lock(mutex_);
    if (!connection_) {
      if (beforeConnect_) beforeConnect_();
      connection_.reset(virConnectOpen(settings_.uri.c_str()));
      if (!connection_) throw libvirtError("cannot connect to " + settings_.uri);
      byThread_[self] = connection_.get();
    }
    if (settings_.testDriver) return connection_.get();
    if (auto it = byThread_.find(self); it != byThread_.end()) return it->second;
    if (more_.size() + opening_ >= kMaxConnections) return byThread_[self] = connection_.get();
    ++opening_;
  }
  // Opened outside the lock: workers starting together connect at once.
  ConnectionHandle more(virConnectOpen(settings_.uri.c_str()));
  std::lock_guard lock(mutex_);
  --opening_;
  return byThread_[self] = more ? more_.emplace_back(std::move(more)).get() : connection_.get();
}

std::string Host::containerUri() const {
  auto scheme = settings_.uri.find("://");
  if (settings_.testDriver || scheme == std::string::npos) return "";
  auto transport = settings_.uri.find('+');
  return "lxc" + settings_.uri.substr(transport < scheme ? transport : scheme);
}

virConnectPtr Host::containerConnection() {
  std::lock_guard lock(mutex_);
  if (!containerTried_) {
    containerTried_ = true;
    std::string uri = containerUri();
    if (!uri.empty()) containerConnection_.reset(virConnectOpen(uri.c_str()));
  }
  return containerConnection_.get();
}

virConnectPtr Host::containers() {
  if (virConnectPtr connection = containerConnection()) return connection;
  throw Error("cannot connect to " + containerUri() + ": hypervisor lxc needs libvirt's LXC driver on the host");
}

void Host::scan(const HostVisitor& visit) {
  {
    // What a read shows starts afresh: a long-lived host (a watch) must see
    // a pool stopped by hand since its last read.
    std::lock_guard lock(mutex_);
    activePools_.clear();
  }
  if (!connected() && !settings_.nodeFile.empty()) {
    if (checkRegularFile(settings_.nodeFile, kMaxNodeFileBytes)) scanNodeFile(settings_.nodeFile, visit);
    return;
  }
  scanConnection(connection(), visit);
  if (virConnectPtr containers = containerConnection()) scanDomains(containers, visit);
}

std::string Host::poolFor(const std::string& storageClass) const {
  auto it = settings_.pools.find(storageClass);
  return it == settings_.pools.end() ? storageClass : it->second;
}

std::string Host::storageClassOf(const std::string& pool) const {
  for (const auto& [cls, name] : settings_.pools)
    if (name == pool) return cls;
  return pool;
}

PoolHandle Host::pool(const std::string& storageClass) {
  std::string name = poolFor(storageClass);
  virConnectPtr conn = connection();
  PoolHandle pool(virStoragePoolLookupByName(conn, name.c_str()));
  // Once seen active, a pool is taken to stay so until the next read: a
  // pool stopped under a running apply fails the call that needs it, and
  // the next run starts it again. It saves a round trip per volume.
  if (pool && poolActive(name)) return pool;
  if (pool && virStoragePoolIsActive(pool.get()) == 1) {
    notePoolActive(name);
    return pool;
  }
  std::lock_guard lock(poolMutex_);  // one thread starts or makes a pool; the others find it made
  pool.reset(virStoragePoolLookupByName(conn, name.c_str()));
  // A pool stopped by hand is drift the VDC's disks need repaired.
  if (pool && virStoragePoolIsActive(pool.get()) == 0 && virStoragePoolCreate(pool.get(), 0) < 0)
    throw libvirtError("cannot start storage pool " + name);
  if (pool) {
    notePoolActive(name);
    return pool;
  }
  if (!settings_.createMissingPools)
    throw Error("storage pool '" + name + "' for storage class '" + storageClass + "' does not exist on " +
                settings_.uri);
  std::string xml = "<pool type='dir'><name>" + xmlEscape(name) +
                    "</name><target><path>/var/lib/vdc/pools/" + xmlEscape(name) + "</path></target></pool>";
  pool.reset(virStoragePoolDefineXML(conn, xml.c_str(), 0));
  if (!pool) throw libvirtError("cannot define storage pool " + name);
  if (virStoragePoolCreate(pool.get(), 0) < 0) throw libvirtError("cannot start storage pool " + name);
  notePoolActive(name);
  return pool;
}

bool Host::poolActive(const std::string& name) {
  std::lock_guard lock(mutex_);
  return activePools_.count(name) > 0;
}

void Host::notePoolActive(const std::string& name) {
  std::lock_guard lock(mutex_);
  activePools_.insert(name);
}

bool Host::volumeExists(const std::string& storageClass, const std::string& physical) {
  std::string name = poolFor(storageClass);
  auto pool = lookupOrNull<PoolHandle>(virStoragePoolLookupByName(connection(), name.c_str()), "storage pool " + name);
  return pool && lookupOrNull<VolumeHandle>(virStorageVolLookupByName(pool.get(), physical.c_str()), "volume " + physical);
}

}  // namespace vdc::libvirt
