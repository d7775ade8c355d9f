#include "engine/spec_check.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "engine/kinds/key_pair.h"
#include "engine/schema.h"
#include "engine/units.h"

namespace vdc {

namespace {

bool isIpv4List(const Json& value) {
  if (!value.is_array()) return false;
  for (const auto& item : value)
    if (!item.is_string() || !Ipv4::parse(item.get<std::string>())) return false;
  return true;
}

bool isNameList(const Json& value) {
  if (!value.is_array()) return false;
  for (const auto& item : value)
    if (!item.is_string() || !isDnsLabel(item.get<std::string>())) return false;
  return true;
}

bool isResourceIdList(const Json& value) {
  if (!value.is_array()) return false;
  for (const auto& item : value)
    if (!item.is_string() || !isResourceId(item.get<std::string>())) return false;
  return true;
}

// KeyPair name -> the fingerprint of its key.
bool isFingerprintMap(const Json& value) {
  if (!value.is_object()) return false;
  for (const auto& [name, fingerprint] : value.items())
    if (!isDnsLabel(name) || !fingerprint.is_string() || !isKeyFingerprint(fingerprint.get<std::string>())) return false;
  return true;
}

// A host's name as a Target gives it: a DNS name.
bool isHostName(const Json& value) {
  if (!value.is_string()) return false;
  const std::string& name = value.get_ref<const std::string&>();
  if (name.empty() || name.size() > 253) return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '-' && c != '.' && c != '_') return false;
  return true;
}

class Checker {
 public:
  Checker(std::vector<std::string>& problems) : problems_(problems) {}

  void object(const std::vector<Field>& fields, const Json& value, const std::string& path,
              const std::vector<std::pair<std::string, bool (*)(const Json&)>>& planned) {
    if (!value.is_object()) return fail(path, "is not an object");
    for (const auto& [key, item] : value.items()) {
      std::string at = path + "." + key;
      if (const Field* f = findField(fields, key)) {
        field(*f, item, at);
        continue;
      }
      bool known = false;
      for (const auto& [name, valid] : planned)
        if (name == key) {
          known = true;
          if (!valid(item)) fail(at, "is not what planning makes");
        }
      if (!known) fail(at, "is not a field of this kind");
    }
  }

  void field(const Field& f, const Json& value, const std::string& path) {
    if (value.is_null()) return;  // an optional field left out
    switch (f.type) {
      case FieldType::String:
      case FieldType::Text:
        if (!value.is_string()) fail(path, "is not a string");
        return;
      case FieldType::Int:
        if (!value.is_number_integer()) return fail(path, "is not an integer");
        if (f.maximum > 0 && (value.get<long>() < f.minimum || value.get<long>() > f.maximum))
          fail(path, "is out of bounds");
        return;
      case FieldType::Bool:
        if (!value.is_boolean()) fail(path, "is not true or false");
        return;
      case FieldType::Size: {
        auto bytes = value.is_string() ? parseSize(value.get<std::string>()) : std::nullopt;
        if (!bytes || *bytes == 0) fail(path, "is not a size");
        return;
      }
      case FieldType::Duration:
        if (!value.is_string() || !parseDuration(value.get<std::string>())) fail(path, "is not a duration");
        return;
      case FieldType::Cidr:
        if (!value.is_string() || !Cidr::parse(value.get<std::string>())) fail(path, "is not a CIDR");
        return;
      case FieldType::Ipv4:
        if (!value.is_string() || !Ipv4::parse(value.get<std::string>())) fail(path, "is not an IPv4 address");
        return;
      case FieldType::Enum: {
        bool ok = value.is_string();
        if (ok) ok = std::find(f.choices.begin(), f.choices.end(), value.get<std::string>()) != f.choices.end();
        if (!ok) fail(path, "is not one of its choices");
        return;
      }
      case FieldType::Ref:
        if (!value.is_string() || !isDnsLabel(value.get<std::string>())) fail(path, "is not a resource name");
        return;
      case FieldType::Peer: {
        bool ok = value.is_string() && (Cidr::parse(value.get<std::string>()) || isDnsLabel(value.get<std::string>()));
        if (!ok) fail(path, "is neither a CIDR nor a security group");
        return;
      }
      case FieldType::Ports:
        if (!value.is_string() || !isPortRange(value.get<std::string>())) fail(path, "is not a port range");
        return;
      case FieldType::RefList:
      case FieldType::DependsOn:
        if (!value.is_array()) return fail(path, "is not a list");
        for (const auto& item : value) {
          bool ok = item.is_string() && (f.type == FieldType::RefList ? isDnsLabel(item.get<std::string>())
                                                                        : isResourceId(item.get<std::string>()));
          if (!ok) return fail(path, "holds something that is not a resource");
        }
        return;
      case FieldType::StringMap:
        if (!value.is_object()) return fail(path, "is not a mapping of strings");
        for (const auto& [key, item] : value.items())
          if (!item.is_string()) return fail(path + "." + key, "is not a string");
        return;
      case FieldType::Object:
        return object(f.fields, value, path, nested(f.name));
      case FieldType::ObjectList:
        if (!value.is_array()) return fail(path, "is not a list");
        for (size_t i = 0; i < value.size(); ++i)
          object(f.fields, value[i], path + "[" + std::to_string(i) + "]", nested(f.name));
        return;
    }
  }

 private:
  // What planning adds inside nested objects: a rule's peers' addresses,
  // a load balancer's backends' addresses.
  static std::vector<std::pair<std::string, bool (*)(const Json&)>> nested(const std::string& name) {
    if (name == "ingress" || name == "egress") return {{"addresses", isIpv4List}};
    if (name == "backends") return {{"addresses", isIpv4List}, {"members", isNameList}};
    return {};
  }
  void fail(const std::string& path, const std::string& why) {
    if (problems_.size() < 50) problems_.push_back(path + " " + why);
  }

  std::vector<std::string>& problems_;
};

}  // namespace

void checkSpec(Kind kind, const Json& spec, const std::string& where, std::vector<std::string>& problems) {
  std::vector<std::pair<std::string, bool (*)(const Json&)>> planned = {
      {"hosts", [](const Json& v) { return v.is_array() && std::all_of(v.begin(), v.end(), isHostName); }}};
  if (kind == Kind::SecurityGroup) planned.push_back({"members", isIpv4List});
  if (kind == Kind::Instance) planned.push_back({kKeyFingerprintsField, isFingerprintMap});
  if (kind == Kind::LoadBalancer)
    planned.push_back({"address", [](const Json& v) { return v.is_string() && Ipv4::parse(v.get<std::string>()).has_value(); }});
  if (kind == Kind::VirtualDataCenter) {
    planned.push_back({"revision", [](const Json& v) {
                         return v.is_string() && v.get<std::string>().size() == 40 &&
                                v.get<std::string>().find_first_not_of("0123456789abcdef") == std::string::npos;
                       }});
    planned.push_back({kProtectedField, isResourceIdList});
  }
  Checker(problems).object(specFields(kind), spec, where + " spec", planned);
  // Planning gives a key's fingerprint for each key pair the instance names, and for no other.
  if (kind == Kind::Instance && spec.is_object() && spec.contains(kKeyFingerprintsField)) {
    std::set<std::string> named;
    for (const auto& name : member(spec, "keyPairs"))
      if (name.is_string()) named.insert(name.get<std::string>());
    const Json& fingerprints = spec[kKeyFingerprintsField];
    bool same = fingerprints.is_object() && fingerprints.size() == named.size();
    for (const auto& [name, fingerprint] : fingerprints.items()) same = same && named.count(name);
    if (!same) problems.push_back(where + " spec.keyFingerprints are not those of its keyPairs");
  }
}

}  // namespace vdc
