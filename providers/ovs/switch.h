// Networks as Open vSwitch bridges, driven through OVSDB (ovsdb.h): one
// bridge per Network, named "v" and ten hex digits of a digest of VDC and
// network (Linux keeps interface names under 16 characters), with vdc's
// ownership record in the bridge's external_ids. Guests attach with libvirt's
// <virtualport type='openvswitch'/>. Security groups are records in the
// external_ids of the switch's root row, enforced as OpenFlow rules on every
// bridge of the VDC (flows.h), rewritten whole after every change of a
// network or a group. L2 only in this version: no DHCP (instances get their
// planned address from their seed) and no NAT.
#pragma once

#include <optional>
#include <string>

#include "engine/provider.h"
#include "providers/ovs/bridge_name.h"
#include "providers/ovs/flows.h"
#include "providers/ovs/ovsdb.h"

namespace vdc::ovs {

struct SwitchSettings {
  std::string socket = "unix:/var/run/openvswitch/db.sock";
  std::string datapathType = "system";  // "netdev": the userspace datapath, where there is no kernel module
  // An ovs-vswitchd serves the database: wait for it to make each bridge,
  // and program the bridges' flow tables (flows.h). Off only for a database
  // with no switch behind it (tests of the database side).
  bool switchRunning = true;
};

class OvsSwitch : public Switch {
 public:
  explicit OvsSwitch(SwitchSettings settings) : settings_(std::move(settings)) {}
  std::vector<Kind> kinds() const override { return {Kind::Network, Kind::SecurityGroup}; }
  void read(const std::string& vdc, LiveState& into) override;
  void create(const Ownership& owner) override;
  void update(const Ownership& owner, const LiveObject& live) override;
  void remove(const std::string& vdc, const LiveObject& live) override;
  // The spec a network was last applied with, from its bridge's record.
  std::optional<Json> networkSpec(const std::string& vdc, const std::string& network);

 private:
  Ovsdb& db();  // connects on first use
  void createBridge(const Ownership& owner);
  void setGroupRecord(const std::string& vdc, const std::string& group, const Json* record);
  void programFlows(const std::string& vdc);
  void readRecords(const std::string& vdc, LiveState& into, bool compareFlows);
  bool flowsAsWritten(const std::string& bridge, const std::vector<GroupSpec>& groups, const Cidr& network);
  std::string rundir() const;
  void waitForSwitch(long configuration);

  SwitchSettings settings_;
  std::unique_ptr<Ovsdb> db_;
  std::mutex mutex_, flowsMutex_;
};

}  // namespace vdc::ovs
