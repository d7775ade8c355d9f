// The lock of a VDC held on the libvirt host itself, where every writer
// that can reach the host meets: a network "VDC._lock", defined and never
// started, whose metadata names the holder and the fencing token, and whose
// portgroup "vdc-lease" carries when the lease expires.
//
// libvirt refuses to define a network under a name another network (of
// another UUID) has, and every taker defines the lock under a UUID libvirt
// makes afresh, so exactly one taker wins. A lock whose lease has expired
// is taken over by undefining that very network by its UUID and defining a
// new one: of two takers of one stale lock, only one undefines it, and the
// other's define meets the winner's network.
//
// The holder renews by updating the portgroup of its own UUID in place
// (virNetworkUpdate), which fails once that network is gone. An update
// waits only for the lock network itself; a define waits for libvirtd's
// list of networks, which waits behind any network being started, so a
// renewal by define lapsed while the host merely started networks
// (docs/targets.md has the figures).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "engine/lease.h"
#include "providers/libvirt/api/handles.h"

namespace vdc::libvirt {

class HostLocks : public LockService {
 public:
  HostLocks(std::string uri, std::chrono::milliseconds lease);
  LeasePtr tryAcquire(const std::string& vdc, const std::string& purpose, std::string& holder) override;

  // The connection shared by this service's leases (opened on first use,
  // again after libvirtd went away).
  class Connection;

 private:
  std::string uri_;
  std::chrono::milliseconds lease_;
  std::shared_ptr<Connection> connection_;
};

}  // namespace vdc::libvirt
