// A datacenter of several hosts, each a datacenter of its own (a libvirt
// host, or an embedded one), that the engine sees as one. The plan names
// the hosts of every resource (`hosts` in its spec, engine/placement.h);
// each change goes to those hosts. Reading asks every host and sets on each
// object the hosts it was found on (`hosts` in what is observed), so a
// resource missing from a host it belongs on shows as a change.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/provider.h"

namespace vdc {

class FleetProvider;

class Fleet : public Datacenter {
 public:
  struct Member {
    HostInfo info;
    DatacenterPtr datacenter;
  };
  explicit Fleet(std::vector<Member> members);
  ~Fleet() override;

  std::string describe() const override;
  // The locks of its first host: every writer of the fleet names it first.
  std::shared_ptr<LockService> ownLocks() const override { return members_.front().datacenter->ownLocks(); }
  std::vector<Provider*> providers() override;
  void commit() override;
  void keepForCrash() override;
  // Every host, read at once.
  LiveState read(const std::string& vdc) override;
  std::vector<HostInfo> hosts() const override;
  void checkFits(const Vdc& desired, Diagnostics& problems) override;
  std::optional<uint64_t> freeStorage() override;  // all hosts' together
  // From the first host that holds it.
  std::optional<DiskContents> diskContents(const std::string& vdc, const LiveObject& disk) override;
  void readDisk(const std::string& vdc, const LiveObject& disk, const DiskSink& take) override;

  // For its providers: a host's datacenter, and what the last read found there.
  Datacenter& on(const std::string& host);
  const LiveObject* liveOn(const std::string& host, const ResourceId& id) const;
  const Unowned* unownedOn(const std::string& host, Kind kind, const std::string& physical) const;
  // Merges what each host holds into one state (`perHost` in member order).
  LiveState merge(const std::vector<LiveState>& perHost) const;

 private:
  std::vector<Member> members_;
  std::vector<std::unique_ptr<FleetProvider>> providers_;
  std::map<std::string, LiveState> lastRead_;
};

}  // namespace vdc
