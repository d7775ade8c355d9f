#include "providers/etcd/locks.h"

#include "base/error.h"

namespace vdc::etcd {

// Letting go is a courtesy: a cluster that does not answer soon lets the
// lease expire, and the process need not wait for it.
constexpr std::chrono::seconds kLettingGo(1);

EtcdLocks::EtcdLocks(std::shared_ptr<Client> client, std::chrono::seconds lease)
    : client_(std::move(client)), lease_(lease) {}

LeasePtr EtcdLocks::tryAcquire(const std::string& vdc, const std::string& purpose, std::string& holder) {
  try {
    return KeyLease::take(client_, client_->settings().prefix + "locks/" + vdc, holderText(purpose), lease_, holder);
  } catch (const Error& e) {
    throw e.within("cannot take the lock of VDC " + vdc + ", so nothing is applied: ");
  }
}

std::unique_ptr<KeyLease> KeyLease::take(std::shared_ptr<Client> client, const std::string& key,
                                         const std::string& value, std::chrono::seconds lease, std::string& holder) {
  // The lease's time counts from before it was asked for.
  auto began = Clock::now();
  int64_t id = client->grantLease(lease);
  Client::Claim claim;
  try {
    claim = client->createIfAbsent(key, value, id);
  } catch (...) {
    try {
      client->revoke(id, kLettingGo);
    } catch (...) { /* it expires */ }
    throw;
  }
  if (!claim.created) {
    holder = shownHolder(claim.now.value);
    try {
      client->revoke(id, kLettingGo);
    } catch (...) { /* it expires */ }
    return nullptr;
  }
  return std::unique_ptr<KeyLease>(new KeyLease(std::move(client), id, claim.now.createRevision, lease, began));
}

KeyLease::KeyLease(std::shared_ptr<Client> client, int64_t id, int64_t revision, std::chrono::seconds lease,
                   Clock::time_point grantedAt)
    : RenewedLease({"etcd-" + client->clusterId(), static_cast<uint64_t>(revision)}, lease, grantedAt),
      client_(std::move(client)),
      id_(id) {
  startRenewing();
}

KeyLease::~KeyLease() {
  stopRenewing();
  // Revoking deletes the key at once; an unreachable cluster lets it expire.
  try {
    client_->revoke(id_, kLettingGo);
  } catch (...) {  // nothing leaves a destructor: the lease expires
  }
}

// A renewal that takes longer than a third of the lease is too late to help.
bool KeyLease::renew() { return client_->keepAlive(id_, duration() / 3) > 0; }

}  // namespace vdc::etcd
