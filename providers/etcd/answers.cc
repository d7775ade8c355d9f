#include "providers/etcd/answers.h"

#include <openssl/evp.h>

#include <algorithm>

#include "base/error.h"
#include "base/text.h"

namespace vdc::etcd::answers {

namespace {

std::string unbase64(const std::string& text) {
  if (text.empty()) return "";
  if (text.size() % 4 != 0) throw Error("etcd answered a value that is not base64");
  std::string out(3 * (text.size() / 4) + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  size_t padding = (text.back() == '=') + (text.size() > 1 && text[text.size() - 2] == '=');
  if (n < 0 || static_cast<size_t>(n) < padding) throw Error("etcd answered a value that is not base64");
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

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

// etcd writes 64-bit numbers as JSON strings; absent means 0. Never past
// int64, whichever way it is written.
int64_t number(const Json& object, const char* field) {
  const Json& found = member(object, field);
  if (found.is_null()) return 0;
  auto noNumber = [&] { return Error(std::string("etcd answered a ") + field + " that is no number"); };
  if (found.is_number_integer() && !found.is_number_unsigned()) return found.get<int64_t>();
  if (found.is_number_unsigned()) {
    if (found.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) throw noNumber();
    return static_cast<int64_t>(found.get<uint64_t>());
  }
  if (!found.is_string()) throw noNumber();
  const std::string& text = found.get_ref<const std::string&>();
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty()) throw noNumber();
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

// Some calls answer {"result": {...}} (a stream of one message), others the object itself.
const Json& resultOf(const Json& answer) {
  const Json& result = member(answer, "result");
  return result.is_null() ? answer : result;
}

}  // namespace

int64_t grantedLease(const Json& answer) {
  int64_t id = number(answer, "ID");
  if (id <= 0) throw Error("granted no lease (lease id " + std::to_string(id) + ")");
  return id;
}

int64_t timeLeft(const Json& answer) { return std::max<int64_t>(0, number(resultOf(answer), "TTL")); }

Claim claim(const Json& answer, const std::string& key, const std::string& value, int64_t lease) {
  Claim claim;
  claim.created = member(answer, "succeeded") == true;
  if (claim.created) {
    claim.now = {key, value, count(member(answer, "header"), "revision"), lease};
    // The revision of the write is the lock's fencing token: without one, no apply could prove it holds the lock.
    if (claim.now.createRevision <= 0)
      throw Error("took the lock but answered no revision for it: no fencing token, so nothing is applied");
    return claim;
  }
  for (const auto& response : listOf(answer, "responses"))
    for (const auto& kv : listOf(member(response, "response_range"), "kvs")) claim.now = keyValue(kv);
  return claim;
}

std::vector<KeyValue> keyValues(const Json& answer) {
  std::vector<KeyValue> found;
  for (const auto& kv : listOf(answer, "kvs")) found.push_back(keyValue(kv));
  return found;
}

std::string clusterOf(const Json& answer) {
  return printable(textOf(member(resultOf(answer), "header"), "cluster_id").substr(0, 32));
}

std::string errorOf(const Json& answer) {
  std::string message = textOf(answer, "message");
  return message.empty() ? textOf(answer, "error") : message;
}

}  // namespace vdc::etcd::answers
