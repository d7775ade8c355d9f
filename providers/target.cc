#include "providers/target.h"

#include <filesystem>

#include <yaml-cpp/yaml.h>

#include "engine/units.h"
#include "providers/faults/faults.h"
#include "providers/libvirt/datacenter.h"

namespace vdc {

namespace fs = std::filesystem;

TargetSpec readTarget(const std::string& file) {
  Diagnostics diags;
  auto at = [&](const YAML::Node& node) {
    return Location{file, node.Mark().line + 1, node.Mark().column + 1};
  };
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw Error("cannot read target file " + file);
  } catch (const YAML::Exception& e) {
    throw Error("invalid YAML: " + e.msg, {file, e.mark.line + 1, e.mark.column + 1});
  }
  TargetSpec target;
  if (!doc.IsMap() || doc["kind"].as<std::string>("") != "Target") {
    diags.add(at(doc), "not a Target document (kind: Target)");
  } else {
    if (doc["apiVersion"].as<std::string>("") != "vdc/v1") diags.add(at(doc), "apiVersion must be vdc/v1");
    target.name = doc["metadata"]["name"].as<std::string>("");
    if (!isDnsLabel(target.name)) diags.add(at(doc), "Target needs a metadata.name that is a DNS label");
    YAML::Node spec = doc["spec"];
    if (!spec || !spec.IsMap()) {
      diags.add(at(doc), "Target needs a spec with 'embedded' or 'hosts'");
    } else {
      for (auto it = spec.begin(); it != spec.end(); ++it) {
        std::string key = it->first.as<std::string>("");
        if (key == "embedded") {
          target.embeddedPath = it->second["path"].as<std::string>(kDefaultEmbeddedPath);
          fs::path p(target.embeddedPath);
          if (p.is_relative()) target.embeddedPath = (fs::path(file).parent_path() / p).string();
        } else if (key == "hosts") {
          if (!it->second.IsSequence() || it->second.size() != 1)
            diags.add(at(it->second), "hosts: exactly one host is supported for now");
          else
            target.uri = it->second[0]["uri"].as<std::string>("");
        } else if (key == "switch") {
          YAML::Node sw = it->second;
          for (auto field = sw.begin(); sw.IsMap() && field != sw.end(); ++field) {
            std::string name = field->first.as<std::string>("");
            if (name == "type" || name == "socket" || name == "datapathType") continue;
            std::string message = "unknown field '" + name + "' in Target switch";
            if (auto guess = closestMatch(name, {"type", "socket", "datapathType"}))
              message += " (did you mean '" + *guess + "'?)";
            diags.add(at(field->first), message);
          }
          target.switchType = sw["type"].as<std::string>("bridge");
          if (target.switchType != "bridge" && target.switchType != "ovs")
            diags.add(at(sw), "switch type must be bridge or ovs, not '" + target.switchType + "'");
          target.ovsSocket = sw["socket"].as<std::string>(target.ovsSocket);
          target.ovsDatapath = sw["datapathType"].as<std::string>(target.ovsDatapath);
          if (target.ovsDatapath != "system" && target.ovsDatapath != "netdev")
            diags.add(at(sw), "switch datapathType must be system or netdev, not '" + target.ovsDatapath + "'");
        } else if (key == "storageClasses") {
          for (auto sc = it->second.begin(); sc != it->second.end(); ++sc)
            target.storagePools[sc->first.as<std::string>("")] = sc->second["pool"].as<std::string>("");
        } else {
          std::string message = "unknown field '" + key + "' in Target spec";
          if (auto guess = closestMatch(key, {"embedded", "hosts", "storageClasses", "switch"}))
            message += " (did you mean '" + *guess + "'?)";
          diags.add(at(it->first), message);
        }
      }
      if (target.embeddedPath.empty() == target.uri.empty())
        diags.add(at(spec), "a Target has either 'embedded' or 'hosts'");
    }
  }
  if (!diags.empty()) {
    diags.sort();
    std::string text = diags.str();
    text.pop_back();
    throw Error(text);
  }
  return target;
}

DatacenterPtr openDatacenter(const TargetSpec& target) {
  if (!target.embeddedPath.empty()) return std::make_unique<libvirt::EmbeddedDatacenter>(target.embeddedPath);
  libvirt::HostSettings settings;
  settings.uri = target.uri;
  settings.pools = target.storagePools;
  if (target.switchType == "ovs") {
    settings.ovsSocket = target.ovsSocket;
    settings.ovsDatapath = target.ovsDatapath;
  }
  fs::path locks = fs::path(".vdc") / "locks";
  return std::make_unique<libvirt::LibvirtDatacenter>(settings, fs::absolute(locks).string());
}

DatacenterPtr openTarget(const std::optional<std::string>& file) {
  TargetSpec target;
  target.embeddedPath = kDefaultEmbeddedPath;
  if (file) target = readTarget(*file);
  return withFaults(openDatacenter(target), FaultPlan::fromEnvironment());
}

}  // namespace vdc
