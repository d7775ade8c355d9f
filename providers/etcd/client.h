// The part of etcd's v3 API vdc needs, over etcd's JSON gateway: leases,
// one key created only when absent, reads by key and prefix. Calls go to
// the endpoints in turn until one answers; each is bounded in time, and an
// answer in size. docs/decisions.md says why not gRPC.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "providers/etcd/answers.h"
#include "providers/etcd/settings.h"

namespace vdc::etcd {

class Client {
 public:
  explicit Client(Settings settings, std::chrono::milliseconds timeout = std::chrono::seconds(3));

  // A lease of `ttl` (etcd may round it up); its ID.
  int64_t grantLease(std::chrono::seconds ttl);
  // Keeps a lease alive: its time left, 0 once it has expired. A renewal
  // is worth waiting for only so long (`patience`, at most the timeout).
  int64_t keepAlive(int64_t lease, std::chrono::milliseconds patience);
  void revoke(int64_t lease, std::chrono::milliseconds patience);

  // Creates `key` with `value` on `lease` unless it exists. Returns the key
  // as it is now: this one (created: its create revision is the cluster's
  // revision of the write) or the one that was there.
  using Claim = etcd::Claim;
  Claim createIfAbsent(const std::string& key, const std::string& value, int64_t lease);
  // Writes `key` on `lease`, whatever was there.
  void put(const std::string& key, const std::string& value, int64_t lease);
  std::vector<KeyValue> list(const std::string& prefix);

  const Settings& settings() const { return settings_; }
  // The cluster's ID, as its last answer gave it ("" before any): revisions
  // are compared only within one cluster.
  std::string clusterId() const;
  // "etcd at http://127.0.0.1:2379, ..." for messages.
  std::string describe() const;

 private:
  // POSTs `body` to /v3/PATH, waiting at most `patience` (the timeout:
  // none) for each endpoint; throws Error when none answers with success,
  // naming what each said.
  nlohmann::json call(const std::string& path, const nlohmann::json& body,
                      std::optional<std::chrono::milliseconds> patience = std::nullopt);

  Settings settings_;
  std::chrono::milliseconds timeout_;
  mutable std::mutex mutex_;
  size_t preferred_ = 0;  // the endpoint that answered last
  std::string clusterId_;
};

}  // namespace vdc::etcd
