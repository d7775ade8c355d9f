#include "providers/etcd/client.h"

#include <openssl/evp.h>

#include "engine/error.h"
#include "engine/text.h"
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

std::string unbase64(const std::string& text) {
  if (text.empty()) return "";
  std::string out(3 * (text.size() / 4) + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0 || text.size() % 4 != 0) throw Error("etcd answered a value that is not base64");
  size_t padding = (text.back() == '=') + (text.size() > 1 && text[text.size() - 2] == '=');
  out.resize(n - padding);
  return out;
}

// An answer is read field by field, whatever shape it has: a member that is
// missing, or of another type than etcd's, reads as null, "" or [].
const Json& member(const Json& object, const char* name) {
  static const Json none;
  if (!object.is_object()) return none;
  auto it = object.find(name);
  return it == object.end() ? none : *it;
}

std::string textOf(const Json& object, const char* name) {
  const Json& found = member(object, name);
  return found.is_string() ? found.get<std::string>() : "";
}

const Json& listOf(const Json& object, const char* name) {
  static const Json empty = Json::array();
  const Json& found = member(object, name);
  return found.is_array() ? found : empty;
}

// etcd writes 64-bit numbers as JSON strings; absent means 0.
int64_t number(const Json& object, const char* field) {
  if (!object.is_object()) return 0;
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) throw Error(std::string("etcd answered a ") + field + " that is no number");
  const std::string& text = it->get_ref<const std::string&>();
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty()) throw Error(std::string("etcd answered a ") + field + " that is no number");
  return value;
}

// Revisions, lease ids and times are never negative in an answer of etcd's.
int64_t count(const Json& object, const char* field) {
  int64_t value = number(object, field);
  if (value < 0) throw Error(std::string("etcd answered a negative ") + field);
  return value;
}

KeyValue keyValue(const Json& kv) {
  return {unbase64(textOf(kv, "key")), unbase64(textOf(kv, "value")), count(kv, "create_revision"), count(kv, "lease")};
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
      std::string message = textOf(parsed, "message");
      if (message.empty()) message = textOf(parsed, "error");
      said += "\n  " + endpoint + ": HTTP " + std::to_string(answer.status) +
              (message.empty() ? "" : ": " + printable(message.substr(0, 300)));
      continue;
    }
    const Json& result = member(parsed, "result");
    std::string cluster = printable(textOf(member(result.is_null() ? parsed : result, "header"), "cluster_id").substr(0, 32));
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
  // quorum looks like this too.
  throw Error("no member of " + describe() + " could serve " + path + " (is a majority of the cluster up?):" + said);
}

std::string Client::clusterId() const {
  std::lock_guard lock(mutex_);
  return clusterId_;
}

int64_t Client::grantLease(std::chrono::seconds ttl) {
  Json answer = call("lease/grant", {{"TTL", std::to_string(ttl.count())}});
  int64_t id = number(answer, "ID");
  if (id <= 0) throw Error(describe() + " granted no lease (lease id " + std::to_string(id) + ")");
  return id;
}

int64_t Client::keepAlive(int64_t lease, std::chrono::milliseconds patience) {
  // The gateway answers a stream of one message: {"result": {...}}.
  Json answer = call("lease/keepalive", {{"ID", std::to_string(lease)}}, patience);
  const Json& result = member(answer, "result");
  // A negative time left is no time left.
  return std::max<int64_t>(0, number(result.is_null() ? answer : result, "TTL"));
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
  Claim claim;
  claim.created = member(answer, "succeeded") == true;
  if (claim.created) {
    claim.now = {key, value, count(member(answer, "header"), "revision"), lease};
    // The revision of the write is the lock's fencing token: without one, no apply could prove it holds the lock.
    if (claim.now.createRevision <= 0)
      throw Error(describe() + " took the lock but answered no revision for it: no fencing token, so nothing is "
                               "applied");
    return claim;
  }
  for (const auto& response : listOf(answer, "responses"))
    for (const auto& kv : listOf(member(response, "response_range"), "kvs")) claim.now = keyValue(kv);
  return claim;
}

void Client::put(const std::string& key, const std::string& value, int64_t lease) {
  call("kv/put", {{"key", base64(key)}, {"value", base64(value)}, {"lease", std::to_string(lease)}});
}

std::vector<KeyValue> Client::list(const std::string& prefix) {
  Json answer = call("kv/range", {{"key", base64(prefix)}, {"range_end", base64(rangeEnd(prefix))}});
  std::vector<KeyValue> found;
  for (const auto& kv : listOf(answer, "kvs")) found.push_back(keyValue(kv));
  return found;
}

}  // namespace vdc::etcd
