// Everything a host holds, object by object, as libvirt XML: read through
// the libvirt API, or for the embedded datacenter straight from its saved
// node file (which is what the test driver would load anyway, without
// building its in-memory model of every object first).
#pragma once

#include <functional>
#include <string>

#include <libvirt/libvirt.h>

#include "providers/libvirt/api/xml.h"

namespace vdc::libvirt {

struct HostObject {
  enum class Type { Domain, Network, Volume, Pool };
  Type type;
  std::string name;
  std::string pool;      // Volume: the pool it is in
  bool running = false;  // Domain: running or paused; Network, Pool: active
  const XmlDocument& doc;
  xmlNodePtr node;       // the <domain>, <network>, <volume> or <pool> element
};

using HostVisitor = std::function<void(const HostObject&)>;

// Domains, networks, volumes and inactive pools (whose volumes libvirt
// cannot list); or the domains alone (of a second driver on the same host).
void scanConnection(virConnectPtr connection, const HostVisitor& visit);
void scanDomains(virConnectPtr connection, const HostVisitor& visit);
void scanNodeFile(const std::string& file, const HostVisitor& visit);

}  // namespace vdc::libvirt
