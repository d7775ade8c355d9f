#include "providers/etcd/replicas.h"

#include "base/error.h"
#include "engine/hash.h"

namespace vdc::etcd {

std::string rendezvousOwner(const std::string& vdc, const std::vector<std::string>& replicas) {
  std::string best, bestHash;
  for (const auto& replica : replicas) {
    std::string hash = sha256Hex(vdc + "\n" + replica);
    if (best.empty() || hash > bestHash) {
      best = replica;
      bestHash = hash;
    }
  }
  return best;
}

EtcdReplicas::EtcdReplicas(std::shared_ptr<Client> client, std::chrono::seconds lease, const std::string& name,
                           const std::string& purpose)
    : client_(std::move(client)), lease_(lease), base_(name), name_(name), purpose_(purpose) {
  stayPresent();
}

int64_t EtcdReplicas::stayPresent() {
  std::lock_guard lock(mutex_);
  if (presence_) {
    try {
      presence_->check();
      return presence_->id();
    } catch (const Error&) {
      presence_.reset();  // expired: join again, under the same name if it is free
    }
  }
  std::string prefix = client_->settings().prefix + "replicas/";
  std::string wanted = base_;
  for (int suffix = 2; suffix < 100; ++suffix) {
    std::string holder;
    presence_ = KeyLease::take(client_, prefix + wanted, holderText(purpose_), lease_, holder);
    if (presence_) {
      name_ = wanted;
      return presence_->id();
    }
    wanted = base_ + "-" + std::to_string(suffix);
  }
  throw Error("cannot join the replicas in " + client_->describe() + ": 100 names like " + base_ + " are taken");
}

std::string EtcdReplicas::self() const {
  std::lock_guard lock(mutex_);
  return name_;
}

std::string EtcdReplicas::ownerOf(const std::string& vdc) {
  int64_t lease = stayPresent();
  std::string prefix = client_->settings().prefix + "candidates/" + vdc + "/";
  std::string self = this->self();
  {
    std::lock_guard lock(mutex_);
    if (candidacies_[vdc] != lease) {
      client_->put(prefix + self, holderText(purpose_), lease);
      candidacies_[vdc] = lease;
    }
  }
  std::vector<std::string> live;
  for (const auto& kv : client_->list(prefix)) live.push_back(kv.key.substr(prefix.size()));
  std::string owner = rendezvousOwner(vdc, live);
  return owner.empty() ? self : owner;
}

std::chrono::seconds EtcdReplicas::lookEvery() const {
  return std::max(std::chrono::seconds(1), lease_ / 3);
}

}  // namespace vdc::etcd
