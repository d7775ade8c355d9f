// What vdc reads from etcd's JSON answers. Any member, or anyone who can
// reach an endpoint, may answer, so an answer is read field by field
// whatever shape it has (a member missing or of another type reads as
// none), and its numbers are checked. Each reader throws Error for what it
// cannot take, and nothing else (fuzz/etcd_answer_fuzzer.cc holds it to that).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vdc::etcd {

struct KeyValue {
  std::string key, value;
  int64_t createRevision = 0, lease = 0;
};

// A key created only when absent: created by this call (its create revision
// is the cluster's revision of the write), or the one that was there.
struct Claim {
  bool created = false;
  KeyValue now;
};

namespace answers {

using Json = nlohmann::json;

// lease/grant: the lease's id, positive.
int64_t grantedLease(const Json& answer);
// lease/keepalive: the lease's time left, 0 once it has expired.
int64_t timeLeft(const Json& answer);
// kv/txn of a create-if-absent of `key`: what it did, with a positive
// revision when it created the key (the lock's fencing token).
Claim claim(const Json& answer, const std::string& key, const std::string& value, int64_t lease);
// kv/range: the keys, base64 decoded.
std::vector<KeyValue> keyValues(const Json& answer);
// The cluster the answer says it is from ("" when it says none), printable.
std::string clusterOf(const Json& answer);
// An error answer's message ("" when none).
std::string errorOf(const Json& answer);

}  // namespace answers
}  // namespace vdc::etcd
