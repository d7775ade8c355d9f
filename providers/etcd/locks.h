// The locks of VDCs held in etcd (a Target's coordination.etcd): the key
// PREFIX/locks/VDC, created only when absent, on a lease the holder keeps
// alive. When the holder dies or is cut off, etcd lets the lease expire and
// deletes the key; the next writer's create then succeeds. The fencing token
// is the key's create revision, which only grows in a cluster; its issuer
// names the cluster, so a cluster built anew is not compared with the old.
#pragma once

#include <chrono>
#include <memory>

#include "engine/lease.h"
#include "providers/etcd/client.h"

namespace vdc::etcd {

class EtcdLocks : public LockService {
 public:
  EtcdLocks(std::shared_ptr<Client> client, std::chrono::seconds lease);
  LeasePtr tryAcquire(const std::string& vdc, const std::string& purpose, std::string& holder) override;

 private:
  std::shared_ptr<Client> client_;
  std::chrono::seconds lease_;
};

// A key of PREFIX/what/name on a lease this process keeps alive, for as long
// as it lives: a lock (EtcdLocks), or a replica's presence (replicas.h).
class KeyLease : public RenewedLease {
 public:
  // Takes `key` with `value`, or returns null and sets `holder` to what it holds.
  static std::unique_ptr<KeyLease> take(std::shared_ptr<Client> client, const std::string& key,
                                        const std::string& value, std::chrono::seconds lease, std::string& holder);
  ~KeyLease() override;
  // The etcd lease: other keys put on it go with it.
  int64_t id() const { return id_; }

 protected:
  bool renew() override;

 private:
  KeyLease(std::shared_ptr<Client> client, int64_t id, int64_t revision, std::chrono::seconds lease,
           Clock::time_point grantedAt);
  std::shared_ptr<Client> client_;
  int64_t id_;
};

}  // namespace vdc::etcd
