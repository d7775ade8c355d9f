#include "engine/adoption.h"

#include <set>

#include <yaml-cpp/yaml.h>

#include "engine/units.h"

namespace vdc {

namespace {

void emit(YAML::Emitter& out, const Json& value) {
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (const auto& item : value.items()) {
      out << YAML::Key << item.key() << YAML::Value;
      emit(out, item.value());
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& item : value) emit(out, item);
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    out << value.get<std::string>();
  } else if (value.is_boolean()) {
    out << value.get<bool>();
  } else if (value.is_number_integer()) {
    out << value.get<long long>();
  } else {
    out << YAML::Null;
  }
}

std::string document(Kind kind, const std::string& name, const Json& annotations, const Json& spec) {
  Json metadata = {{"name", name}};
  if (!annotations.empty()) metadata["annotations"] = annotations;
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "apiVersion" << YAML::Value << "vdc/v1";
  out << YAML::Key << "kind" << YAML::Value << std::string(kindName(kind));
  out << YAML::Key << "metadata" << YAML::Value;
  emit(out, metadata);
  out << YAML::Key << "spec" << YAML::Value;
  emit(out, spec);
  out << YAML::EndMap;
  return std::string("---\n") + out.c_str() + "\n";
}

// Resource names for the objects of one kind, unique.
class Names {
 public:
  std::string take(const std::string& physical) {
    std::string base = resourceNameFor(physical), name = base;
    for (int n = 2; !taken_.insert(name).second; ++n) {
      std::string suffix = "-" + std::to_string(n);
      name = base.substr(0, 63 - suffix.size()) + suffix;
    }
    return byPhysical_[physical] = name;
  }
  const std::string* find(const std::string& physical) const {
    auto it = byPhysical_.find(physical);
    return it == byPhysical_.end() ? nullptr : &it->second;
  }

 private:
  std::set<std::string> taken_;
  std::map<std::string, std::string> byPhysical_;
};

std::string describe(const Unowned& u) {
  return std::string(kindName(u.kind)) + " '" + u.physicalName + "'";
}

// An Instance's networks and volumes by their new resource names; false
// (and why) when one of them is not adopted.
bool renameReferences(Json& spec, const Names& networks, const Names& volumes, std::string& why) {
  for (auto& nic : spec["interfaces"]) {
    const std::string* name = networks.find(nic.value("network", ""));
    if (!name) {
      why = "its network '" + nic.value("network", "") + "' is not adopted with it";
      return false;
    }
    nic["network"] = *name;
  }
  for (auto& attachment : spec["volumes"]) {
    const std::string* name = volumes.find(attachment.value("volume", ""));
    if (!name) {
      why = "its disk '" + attachment.value("volume", "") + "' is not adopted with it";
      return false;
    }
    attachment["volume"] = *name;
  }
  return true;
}

}  // namespace

std::string resourceNameFor(const std::string& physical) {
  std::string name;
  for (char c : physical) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    if (ok) name += lower;
    else if (!name.empty() && name.back() != '-') name += '-';
  }
  if (name.size() > 63) name.resize(63);
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name.empty() ? "adopted" : name;
}

AdoptionManifests adoptionManifests(const std::string& vdc, const std::string& description, const LiveState& live) {
  AdoptionManifests out;
  out.files["vdc.yaml"] = document(Kind::VirtualDataCenter, vdc, Json::object(), {{"description", description}});
  Names networks, volumes, instances;
  std::map<Kind, std::string> texts;
  auto adopt = [&](const Unowned& u, Names& names, Json spec) {
    std::string name = names.take(u.physicalName);
    texts[u.kind] += document(u.kind, name, {{kAdoptAnnotation, u.physicalName}}, spec);
  };
  auto skip = [&](const Unowned& u, const std::string& why) { out.skipped.push_back(describe(u) + ": " + why); };
  // Networks and volumes first: an instance is adopted only with all of them.
  for (Kind kind : {Kind::Network, Kind::Volume, Kind::Instance}) {
    for (const auto& [key, u] : live.unowned()) {
      if (u.kind != kind) continue;
      if (!u.unadoptable.empty()) {
        skip(u, u.unadoptable);
        continue;
      }
      Json spec = u.observed;
      if (!u.host.empty()) spec["placement"] = {{"host", u.host}};
      std::string why;
      if (kind == Kind::Instance && !renameReferences(spec, networks, volumes, why)) {
        skip(u, why);
        continue;
      }
      adopt(u, kind == Kind::Network ? networks : kind == Kind::Volume ? volumes : instances, spec);
    }
  }
  if (texts.count(Kind::Network)) out.files["networks.yaml"] = texts[Kind::Network];
  if (texts.count(Kind::Volume)) out.files["volumes.yaml"] = texts[Kind::Volume];
  if (texts.count(Kind::Instance)) out.files["instances.yaml"] = texts[Kind::Instance];
  return out;
}

}  // namespace vdc
