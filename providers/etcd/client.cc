#include "providers/etcd/client.h"

#include <openssl/evp.h>

#include "base/error.h"
#include "base/text.h"
#include "providers/etcd/exchange.h"

namespace vdc::etcd {

using Json = nlohmann::json;

namespace {

// An answer bigger than this is no answer of etcd's to these calls.
constexpr size_t kMaxAnswerBytes = 4 << 20;

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n);
  return out;
}

// The end of a prefix's range: the prefix with its last byte incremented.
std::string rangeEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return std::string(1, '\0');
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

}  // namespace

Client::Client(Settings settings, std::chrono::milliseconds timeout)
    : settings_(std::move(settings)), timeout_(timeout) {
  if (settings_.endpoints.empty()) throw Error("etcd: no endpoints");
}

std::string Client::describe() const {
  std::string text = "etcd at ";
  for (size_t i = 0; i < settings_.endpoints.size(); ++i) text += (i ? ", " : "") + settings_.endpoints[i];
  return text;
}

Json Client::call(const std::string& path, const Json& body, std::optional<std::chrono::milliseconds> patience) {
  auto timeout = std::min(timeout_, patience.value_or(timeout_));
  size_t first;
  {
    std::lock_guard lock(mutex_);
    first = preferred_;
  }
  std::string said;
  size_t count = settings_.endpoints.size();
  for (size_t i = 0; i < count; ++i) {
    size_t at = (first + i) % count;
    const std::string& endpoint = settings_.endpoints[at];
    Exchange answer = post(endpoint, "/v3/" + path, body.dump(), timeout, kMaxAnswerBytes, settings_);
    if (answer.status == 0) {
      said += "\n  " + endpoint + ": " + printable(answer.failure) + (answer.timedOut ? " (the whole answer)" : "");
      continue;
    }
    const std::string& text = answer.body;
    Json parsed = Json::parse(text, nullptr, false);
    if (answer.status != 200 || parsed.is_discarded() || !parsed.is_object() || parsed.contains("error")) {
      std::string message = answers::errorOf(parsed);
      said += "\n  " + endpoint + ": HTTP " + std::to_string(answer.status) +
              (message.empty() ? "" : ": " + printable(message.substr(0, 300)));
      continue;
    }
    std::string cluster = answers::clusterOf(parsed);
    std::lock_guard lock(mutex_);
    // Tokens are compared within one cluster: once one answered, a member
    // that answers for another, or for none, is not taken at its word.
    if (!clusterId_.empty() && cluster != clusterId_) {
      said += "\n  " + endpoint + ": answered for cluster " + (cluster.empty() ? "(none)" : cluster) + ", not " + clusterId_;
      continue;
    }
    preferred_ = at;
    if (!cluster.empty()) clusterId_ = cluster;
    return parsed;
  }
  // A member cut off from the majority answers late or with an error: no
  // quorum looks like this too. A majority back, the same call passes.
  throw Error("no member of " + describe() + " could serve " + path + " (is a majority of the cluster up?):" + said, 0,
              true);
}

std::string Client::clusterId() const {
  std::lock_guard lock(mutex_);
  return clusterId_;
}

namespace {

// Each answer is read by answers.h; an answer it cannot take names the cluster.
template <typename Read>
auto readAnswer(const Client& client, Read read) {
  try {
    return read();
  } catch (const Error& e) {
    throw e.within(client.describe() + ": ");
  }
}

}  // namespace

int64_t Client::grantLease(std::chrono::seconds ttl) {
  Json answer = call("lease/grant", {{"TTL", std::to_string(ttl.count())}});
  return readAnswer(*this, [&] { return answers::grantedLease(answer); });
}

int64_t Client::keepAlive(int64_t lease, std::chrono::milliseconds patience) {
  Json answer = call("lease/keepalive", {{"ID", std::to_string(lease)}}, patience);
  return readAnswer(*this, [&] { return answers::timeLeft(answer); });
}

void Client::revoke(int64_t lease, std::chrono::milliseconds patience) {
  call("lease/revoke", {{"ID", std::to_string(lease)}}, patience);
}

Client::Claim Client::createIfAbsent(const std::string& key, const std::string& value, int64_t lease) {
  std::string k = base64(key);
  Json txn = {
      {"compare", {{{"key", k}, {"result", "EQUAL"}, {"target", "CREATE"}, {"create_revision", "0"}}}},
      {"success", {{{"request_put", {{"key", k}, {"value", base64(value)}, {"lease", std::to_string(lease)}}}}}},
      {"failure", {{{"request_range", {{"key", k}}}}}}};
  Json answer = call("kv/txn", txn);
  return readAnswer(*this, [&] { return answers::claim(answer, key, value, lease); });
}

void Client::put(const std::string& key, const std::string& value, int64_t lease) {
  call("kv/put", {{"key", base64(key)}, {"value", base64(value)}, {"lease", std::to_string(lease)}});
}

std::vector<KeyValue> Client::list(const std::string& prefix) {
  Json answer = call("kv/range", {{"key", base64(prefix)}, {"range_end", base64(rangeEnd(prefix))}});
  return readAnswer(*this, [&] { return answers::keyValues(answer); });
}

}  // namespace vdc::etcd
