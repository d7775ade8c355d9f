// Networks as libvirt networks (Linux bridges); security groups as records
// and, on real hosts, as nwfilters (nwfilter.h; the embedded datacenter has
// no nwfilter).
#pragma once

#include "engine/provider.h"
#include "providers/libvirt/host.h"
#include "providers/libvirt/registry.h"
#include "providers/libvirt/api/xml.h"

namespace vdc::libvirt {

class LibvirtSwitch : public Switch, public HostReader {
 public:
  LibvirtSwitch(Host& host, RecordStore& records) : host_(host), records_(records) {}
  std::vector<Kind> kinds() const override { return {Kind::Network, Kind::SecurityGroup}; }
  void read(const std::string& vdc, LiveState& into) override;
  void create(const Ownership& owner) override;
  void update(const Ownership& owner, const LiveObject& live) override;
  void remove(const std::string& vdc, const LiveObject& live) override;
  void adopt(const Ownership& owner) override;
  // A Network's record goes from its metadata; a SecurityGroup cannot be adopted.
  void forget(const std::string& vdc, const LiveObject& live) override;
  void finish() override { records_.flush(); }
  void visit(const std::string& vdc, const HostObject& object, LiveState& into) override;
  void finishRead(const std::string& vdc, LiveState& into) override;

  // Adds a problem for each network of `desired` whose bridge name an
  // interface on the host holds that is not that network's own bridge.
  void checkBridges(const Vdc& desired, Diagnostics& problems);

  // The network XML for a Network spec; exposed for tests.
  std::string networkXml(const Ownership& owner, const std::string& uuid);
  static Json observe(const XmlDocument& doc, xmlNodePtr network);

 private:
  void redefineNetwork(virNetworkPtr net, const std::string& name, const std::string& xml);
  void define(const Ownership& owner, const std::string& uuid);
  void defineGroup(const Ownership& owner);
  Json observeOwn(const HostObject& object);

  Host& host_;
  RecordStore& records_;
  std::vector<LiveObject> claimed_;  // networks under other names whose record names this VDC
};

}  // namespace vdc::libvirt
