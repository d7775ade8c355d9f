// Instances and load balancer appliances as libvirt domains.
#pragma once

#include "engine/provider.h"
#include "providers/libvirt/host.h"
#include "providers/libvirt/storage.h"
#include "providers/libvirt/xml.h"

namespace vdc::libvirt {

class LibvirtHypervisor : public Hypervisor {
 public:
  LibvirtHypervisor(Host& host, LibvirtStorage& storage) : host_(host), storage_(storage) {}
  std::vector<Kind> kinds() const override { return {Kind::Instance, Kind::LoadBalancer}; }
  void read(const std::string& vdc, LiveState& into) override;
  void create(const Ownership& owner) override;
  void update(const Ownership& owner, const LiveObject& live) override;
  void remove(const std::string& vdc, const LiveObject& live) override;

  std::string domainXml(const Ownership& owner, const std::string& uuid);
  static Json observe(const std::string& vdc, Kind kind, const XmlDocument& doc, const Json& recorded, bool running,
                      bool hypervisorVisible);

 private:
  void define(const Ownership& owner, const std::string& uuid, bool restart);

  Host& host_;
  LibvirtStorage& storage_;
};

}  // namespace vdc::libvirt
