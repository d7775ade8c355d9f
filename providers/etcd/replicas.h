// Replicas of a controller meeting in etcd. Each keeps the key
// PREFIX/replicas/NAME on a lease while it lives (its name is its own), and
// stands as a candidate for each VDC it can reconcile with a key
// PREFIX/candidates/VDC/NAME on the same lease. A VDC belongs to the live
// candidate that ranks first for it by rendezvous hashing (the highest hash
// of VDC and replica name). Every replica computes the same owner from the
// same list; when one joins or leaves, only the VDCs it gains or loses
// move. A controller that watches other VDCs with the same prefix is never
// a candidate for these.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "engine/replicas.h"
#include "providers/etcd/locks.h"

namespace vdc::etcd {

class EtcdReplicas : public Replicas {
 public:
  // Joins as `name` (made unique when another live replica has it);
  // throws Error when etcd cannot be reached.
  EtcdReplicas(std::shared_ptr<Client> client, std::chrono::seconds lease, const std::string& name,
               const std::string& purpose);

  std::string self() const override;
  std::string ownerOf(const std::string& vdc) override;
  std::chrono::seconds lookEvery() const override;

 private:
  // Joins again when this replica's presence expired (it was cut off);
  // the lease its keys are on.
  int64_t stayPresent();

  std::shared_ptr<Client> client_;
  std::chrono::seconds lease_;
  std::string base_, name_, purpose_;
  mutable std::mutex mutex_;
  std::unique_ptr<KeyLease> presence_;
  std::map<std::string, int64_t> candidacies_;  // VDC -> the lease its candidate key is on
};

// The replica that ranks first for `vdc` among `replicas` (none: "").
std::string rendezvousOwner(const std::string& vdc, const std::vector<std::string>& replicas);

}  // namespace vdc::etcd
