// One libvirt connection and what the providers need to know about it.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "providers/libvirt/handles.h"

namespace vdc::libvirt {

struct HostSettings {
  std::string uri;
  // storage class -> libvirt pool name; a class not listed uses a pool of its own name.
  std::map<std::string, std::string> pools;
  bool createMissingPools = false;  // the embedded datacenter makes pools on demand
  bool testDriver = false;          // domains are type='test'; the hypervisor is not observable
};

class Host {
 public:
  explicit Host(HostSettings settings);

  virConnectPtr connection() const { return connection_.get(); }
  const HostSettings& settings() const { return settings_; }

  std::string poolFor(const std::string& storageClass) const;
  std::string storageClassOf(const std::string& pool) const;
  // Looks the pool up (creating it on the embedded datacenter).
  PoolHandle pool(const std::string& storageClass);

 private:
  HostSettings settings_;
  ConnectionHandle connection_;
  std::mutex poolMutex_;
};

}  // namespace vdc::libvirt
