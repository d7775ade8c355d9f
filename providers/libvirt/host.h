// One libvirt host and what the providers need to know about it. The
// connection opens on first use; until then the embedded datacenter is read
// straight from its node file.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/live.h"
#include "providers/libvirt/host_settings.h"
#include "providers/libvirt/api/handles.h"
#include "providers/libvirt/inventory.h"

namespace vdc::libvirt {

class Host {
 public:
  explicit Host(HostSettings settings);

  // The calling thread's connection to the host (opened on first use).
  virConnectPtr connection();
  bool connected() const { return connection_ != nullptr; }
  // Called once, just before the connection opens (the embedded datacenter
  // takes its file's lock there and reads the file under it).
  void setBeforeConnect(std::function<void()> hook) { beforeConnect_ = std::move(hook); }
  // The same host's LXC driver, for containers: the host URI with its driver
  // replaced (qemu:///system -> lxc:///system). Null where the host has no
  // LXC driver (and on the embedded datacenter, whose domains are all one
  // type); `containers()` throws instead.
  virConnectPtr containerConnection();
  virConnectPtr containers();
  std::string containerUri() const;
  const HostSettings& settings() const { return settings_; }

  // Every domain, network and volume on the host.
  void scan(const HostVisitor& visit);

  std::string poolFor(const std::string& storageClass) const;
  std::string storageClassOf(const std::string& pool) const;
  // Looks the pool up, starting it if it is inactive (creating it on the
  // embedded datacenter).
  PoolHandle pool(const std::string& storageClass);
  // Whether a storage class's pool holds `physical` (a missing pool holds nothing).
  bool volumeExists(const std::string& storageClass, const std::string& physical);

 private:
  bool poolActive(const std::string& name);
  void notePoolActive(const std::string& name);

  HostSettings settings_;
  std::function<void()> beforeConnect_;
  ConnectionHandle connection_;
  // Real hosts: a connection per working thread, up to kMaxConnections.
  static constexpr size_t kMaxConnections = 32;
  std::vector<ConnectionHandle> more_;
  size_t opening_ = 0;  // connections being opened, outside the lock
  std::map<std::thread::id, virConnectPtr> byThread_;
  std::mutex poolMutex_;
  std::set<std::string> activePools_;  // seen active or started since the last scan
  ConnectionHandle containerConnection_;
  bool containerTried_ = false;
  std::mutex mutex_;
};

// A provider's share of reading a host: it sees every object once, in one
// scan shared by all providers, then completes what it found.
class HostReader {
 public:
  virtual ~HostReader() = default;
  virtual void visit(const std::string& vdc, const HostObject& object, LiveState& into) = 0;
  virtual void finishRead(const std::string& /*vdc*/, LiveState& /*into*/) {}
};

}  // namespace vdc::libvirt
