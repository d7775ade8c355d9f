#include "providers/targets/target.h"

#include <filesystem>

#include <yaml-cpp/yaml.h>

#include "base/config_file.h"
#include "engine/units.h"
#include "providers/etcd/locks.h"
#include "providers/targets/faults.h"
#include "providers/targets/fleet.h"
#include "providers/libvirt/open.h"

namespace vdc {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMaxTargetBytes = 1 << 20;

// A host's default name: its URI's host ("localhost" for a local URI), or its embedded file's stem.
std::string defaultName(const TargetHost& host) {
  if (!host.embeddedPath.empty()) return fs::path(host.embeddedPath).stem().string();
  auto start = host.uri.find("://");
  if (start == std::string::npos) return "localhost";
  std::string authority = host.uri.substr(start + 3, host.uri.find('/', start + 3) - start - 3);
  authority = authority.substr(authority.find('@') + 1);  // past user@, if any
  authority = authority.substr(0, authority.find(':'));   // before :port
  return authority.empty() ? "localhost" : authority;
}

// maxParallel: operations at once on a host or a pool, beside --parallelism.
int maxParallelOf(const std::string& file, const YAML::Node& node, Diagnostics& diags) {
  return static_cast<int>(numberOf(file, node, "maxParallel", diags, 1, 1, 1000));
}

void readHosts(const YAML::Node& list, const std::string& file, TargetSpec& target, Diagnostics& diags) {
  if (!list.IsSequence() || list.size() == 0) {
    diags.add(at(file, list), "hosts must be a list of at least one host");
    return;
  }
  std::map<std::string, Location> names;
  for (const auto& node : list) {
    TargetHost host;
    if (!node.IsMap()) {
      diags.add(at(file, node), "a host is a mapping with 'uri' or 'embedded'");
      continue;
    }
    rejectUnknownKeys(file, node, {"name", "uri", "embedded", "capacity", "labels", "maxParallel"}, "a host", diags);
    std::optional<int> maxParallel;
    for (auto field = node.begin(); field != node.end(); ++field) {
      std::string key = field->first.as<std::string>("");
      YAML::Node value = field->second;  // a handle: field-> is a temporary
      if (key == "uri") {
        host.uri = textOf(file, value, "a host's uri", diags);
      } else if (key == "embedded") {
        if (mappingOf(file, value, "a host's embedded", diags))
          host.embeddedPath = textOf(file, value["path"], "a host's embedded.path", diags);
        if (fs::path(host.embeddedPath).is_relative())
          host.embeddedPath = (fs::path(file).parent_path() / host.embeddedPath).string();
      } else if (key == "name") {
        host.info.name = textOf(file, value, "a host's name", diags);
        if (!isDnsLabel(host.info.name)) diags.add(at(file, value), "a host name must be a DNS label");
      } else if (key == "capacity") {
        if (!mappingOf(file, value, "a host's capacity", diags)) continue;
        rejectUnknownKeys(file, value, {"cpus", "memory"}, "host capacity", diags);
        for (auto c = value.begin(); c != value.end(); ++c) {
          std::string what = c->first.as<std::string>("");
          if (what == "cpus") {
            long cpus = c->second.as<long>(0);
            if (cpus < 1) diags.add(at(file, c->second), "capacity cpus must be a whole number of at least 1");
            host.info.cpus = cpus;
          } else if (what == "memory") {
            host.info.memory = parseSize(textOf(file, c->second, "capacity memory", diags));
            if (!host.info.memory) diags.add(at(file, c->second), "capacity memory must be a size, e.g. 64GiB");
          }
        }
      } else if (key == "maxParallel") {
        maxParallel = maxParallelOf(file, value, diags);
      } else if (key == "labels") {
        if (mappingOf(file, value, "a host's labels", diags))
          for (auto label = value.begin(); label != value.end(); ++label)
            host.info.labels[textOf(file, label->first, "a label", diags)] = textOf(file, label->second, "a label", diags);
      }
    }
    if (host.uri.empty() == host.embeddedPath.empty()) diags.add(at(file, node), "a host has either 'uri' or 'embedded'");
    if (host.info.name.empty()) host.info.name = defaultName(host);
    target.limits.hosts.push_back(host.info.name);
    if (maxParallel) target.limits.perHost[host.info.name] = *maxParallel;
    auto [first, fresh] = names.emplace(host.info.name, at(file, node));
    if (!fresh)
      diags.add(at(file, node), "two hosts are named '" + host.info.name + "' (the other at " + first->second.str() +
                                    "): give each a name");
    target.hosts.push_back(std::move(host));
  }
}

// appliances: {loadBalancer: {source, format, sha256, hypervisor}}
void readAppliances(const YAML::Node& node, const std::string& file, TargetSpec& target, Diagnostics& diags) {
  if (!mappingOf(file, node, "appliances", diags)) return;
  rejectUnknownKeys(file, node, {"loadBalancer"}, "Target appliances", diags);
  YAML::Node spec = node["loadBalancer"];
  if (!spec || !mappingOf(file, spec, "appliances.loadBalancer", diags)) return;
  rejectUnknownKeys(file, spec, {"source", "format", "sha256", "hypervisor"}, "an appliance", diags);
  libvirt::ApplianceImage& image = target.loadBalancer;
  for (auto field = spec.begin(); field != spec.end(); ++field) {
    std::string key = field->first.as<std::string>("");
    std::string value = textOf(file, field->second, "an appliance's " + key, diags);
    if (key == "source") image.source = value;
    else if (key == "format") image.format = value;
    else if (key == "sha256") image.sha256 = value;
    else if (key == "hypervisor") image.hypervisor = value;
    if ((key == "format" && value != "qcow2" && value != "raw") ||
        (key == "hypervisor" && value != "kvm" && value != "qemu"))
      diags.add(at(file, field->second), "invalid " + key + " '" + value + "' for an appliance");
  }
  if (image.source.empty()) diags.add(at(file, spec), "an appliance needs a source (its image)");
  else if (image.source.find("://") == std::string::npos && fs::path(image.source).is_relative())
    image.source = (fs::path(file).parent_path() / image.source).string();
}

// coordination: {lease: 30s, etcd: {endpoints: [URL...], prefix, tls: {ca, cert, key}}}
void readCoordination(const YAML::Node& node, const std::string& file, TargetSpec& target, Diagnostics& diags) {
  if (!mappingOf(file, node, "coordination", diags)) return;
  rejectUnknownKeys(file, node, {"lease", "etcd"}, "Target coordination", diags);
  if (YAML::Node lease = node["lease"]) {
    auto duration = parseDuration(textOf(file, lease, "coordination.lease", diags));
    if (!duration || *duration < std::chrono::seconds(2) || *duration > std::chrono::hours(1))
      diags.add(at(file, lease), "coordination.lease is a duration from 2s to 1h (30s, 2m)");
    else
      target.lockLease = *duration;
  }
  YAML::Node etcd = node["etcd"];
  if (!etcd || !mappingOf(file, etcd, "coordination.etcd", diags)) return;
  rejectUnknownKeys(file, etcd, {"endpoints", "prefix", "tls"}, "coordination.etcd", diags);
  etcd::Settings settings;
  YAML::Node endpoints = etcd["endpoints"];
  if (!endpoints.IsSequence() || endpoints.size() == 0)
    diags.add(at(file, endpoints ? endpoints : etcd), "coordination.etcd needs endpoints: a list of http:// or https:// URLs");
  for (const auto& entry : endpoints) {
    std::string url = textOf(file, entry, "an etcd endpoint", diags);
    if (!url.starts_with("http://") && !url.starts_with("https://"))
      diags.add(at(file, entry), "an etcd endpoint is an http:// or https:// URL, not '" + url + "'");
    else
      settings.endpoints.push_back(url);
  }
  settings.prefix = textOf(file, etcd["prefix"], "coordination.etcd.prefix", diags, settings.prefix);
  if (settings.prefix.empty() || settings.prefix.size() > 200)
    diags.add(at(file, etcd["prefix"]), "coordination.etcd.prefix is a key prefix of 1 to 200 characters");
  if (YAML::Node tls = etcd["tls"]; tls && mappingOf(file, tls, "coordination.etcd.tls", diags)) {
    rejectUnknownKeys(file, tls, {"ca", "cert", "key"}, "coordination.etcd.tls", diags);
    auto path = [&](const char* key) {
      std::string value = textOf(file, tls[key], std::string("coordination.etcd.tls.") + key, diags);
      if (value.empty() || fs::path(value).is_absolute()) return value;
      return (fs::path(file).parent_path() / value).string();
    };
    settings.ca = path("ca");
    settings.cert = path("cert");
    settings.key = path("key");
    if (settings.cert.empty() != settings.key.empty())
      diags.add(at(file, tls), "coordination.etcd.tls takes a client cert and its key together");
  }
  target.etcd = std::move(settings);
}

}  // namespace

TargetSpec readTarget(const std::string& file) {
  Diagnostics diags;
  auto at = [&](const YAML::Node& node) { return vdc::at(file, node); };
  // A Target may come from a repository (vdc watch --target-path): bounded like any input.
  YAML::Node doc = loadConfigFile(file, kMaxTargetBytes, "target file", diags);
  TargetSpec target;
  if (!doc.IsMap() || textOf(file, doc["kind"], "kind", diags) != "Target") {
    diags.add(at(doc), "not a Target document (kind: Target)");
  } else {
    if (textOf(file, doc["apiVersion"], "apiVersion", diags) != "vdc/v1") diags.add(at(doc), "apiVersion must be vdc/v1");
    if (mappingOf(file, doc["metadata"], "metadata", diags))
      target.name = textOf(file, doc["metadata"]["name"], "metadata.name", diags);
    if (!isDnsLabel(target.name)) diags.add(at(doc), "Target needs a metadata.name that is a DNS label");
    YAML::Node spec = doc["spec"];
    if (!spec || !spec.IsMap()) {
      diags.add(at(doc), "Target needs a spec with 'embedded' or 'hosts'");
    } else {
      rejectUnknownKeys(file, spec,
                        {"embedded", "hosts", "storageClasses", "switch", "appliances", "allowedPaths", "coordination"},
                        "Target spec", diags);
      for (auto it = spec.begin(); it != spec.end(); ++it) {
        std::string key = it->first.as<std::string>("");
        YAML::Node value = it->second;  // a handle: it-> is a temporary, which a loop over it would outlive
        if (key == "embedded") {
          target.embeddedPath = kDefaultEmbeddedPath;
          if (mappingOf(file, value, "embedded", diags))
            target.embeddedPath = textOf(file, value["path"], "embedded.path", diags, kDefaultEmbeddedPath);
          fs::path p(target.embeddedPath);
          if (p.is_relative()) target.embeddedPath = (fs::path(file).parent_path() / p).string();
        } else if (key == "hosts") {
          readHosts(value, file, target, diags);
        } else if (key == "switch") {
          YAML::Node sw = value;
          if (!mappingOf(file, sw, "switch", diags)) continue;
          rejectUnknownKeys(file, sw, {"type", "socket", "datapathType"}, "Target switch", diags);
          target.switchType = textOf(file, sw["type"], "switch type", diags, "bridge");
          if (target.switchType != "bridge" && target.switchType != "ovs")
            diags.add(at(sw), "switch type must be bridge or ovs, not '" + target.switchType + "'");
          target.ovsSocket = textOf(file, sw["socket"], "switch socket", diags, target.ovsSocket);
          target.ovsDatapath = textOf(file, sw["datapathType"], "switch datapathType", diags, target.ovsDatapath);
          if (target.ovsDatapath != "system" && target.ovsDatapath != "netdev")
            diags.add(at(sw), "switch datapathType must be system or netdev, not '" + target.ovsDatapath + "'");
        } else if (key == "coordination") {
          readCoordination(value, file, target, diags);
        } else if (key == "appliances") {
          readAppliances(value, file, target, diags);
        } else if (key == "allowedPaths") {
          if (!value.IsSequence()) diags.add(at(value), "allowedPaths is a list of directories");
          for (const auto& entry : value) {
            std::string path = entry.IsScalar() ? entry.Scalar() : "";
            if (path.empty()) diags.add(at(entry), "allowedPaths holds directories, each a path");
            else target.allowedPaths.push_back(fs::absolute(fs::path(file).parent_path() / path).lexically_normal().string());
          }
        } else if (key == "storageClasses") {
          if (!mappingOf(file, value, "storageClasses", diags)) continue;
          for (auto sc = value.begin(); sc != value.end(); ++sc) {
            std::string storageClass = textOf(file, sc->first, "a storage class", diags);
            if (!isDnsLabel(storageClass)) diags.add(at(sc->first), "a storage class is a DNS label");
            if (!mappingOf(file, sc->second, "storage class " + storageClass, diags)) continue;
            rejectUnknownKeys(file, sc->second, {"pool", "maxParallel"}, "a storage class", diags);
            std::string pool = textOf(file, sc->second["pool"], "a storage class's pool", diags);
            target.storagePools[storageClass] = pool;
            target.limits.poolOfClass[storageClass] = pool;
            // Two classes on one pool share its bound: the smaller holds.
            if (YAML::Node most = sc->second["maxParallel"]) {
              int bound = maxParallelOf(file, most, diags);
              auto [limit, fresh] = target.limits.perPool.emplace(pool, bound);
              if (!fresh) limit->second = std::min(limit->second, bound);
            }
          }
        }
      }
      if (target.embeddedPath.empty() == target.hosts.empty())
        diags.add(at(spec), "a Target has either 'embedded' or 'hosts'");
      if (target.switchType == "ovs" && target.hosts.size() > 1)
        diags.add(at(spec["switch"]), "switch type ovs drives the Open vSwitch of the machine vdc runs on: "
                                      "it takes one host");
    }
  }
  diags.throwIfAny();
  return target;
}

namespace {

// The datacenter of the Target's hosts: one, or a fleet of them.
DatacenterPtr openHosts(const TargetSpec& target) {
  if (!target.embeddedPath.empty()) return libvirt::openEmbeddedDatacenter(target.embeddedPath);
  auto open = [&](const TargetHost& host) -> DatacenterPtr {
    if (!host.embeddedPath.empty()) return libvirt::openEmbeddedDatacenter(host.embeddedPath);
    libvirt::HostSettings settings;
    settings.uri = host.uri;
    settings.pools = target.storagePools;
    if (target.switchType == "ovs") {
      settings.ovsSocket = target.ovsSocket;
      settings.ovsDatapath = target.ovsDatapath;
    }
    settings.loadBalancer = target.loadBalancer;
    settings.lockLease = target.lockLease;
    return libvirt::openLibvirtDatacenter(settings);
  };
  const HostInfo& first = target.hosts.front().info;
  if (target.hosts.size() == 1 && !first.cpus && !first.memory) return open(target.hosts.front());
  std::vector<Fleet::Member> members;
  for (const auto& host : target.hosts) members.push_back({host.info, open(host)});
  return std::make_unique<Fleet>(std::move(members));
}

}  // namespace

DatacenterPtr openDatacenter(const TargetSpec& target) {
  DatacenterPtr opened = openHosts(target);
  opened->limits = target.limits;
  if (target.etcd)
    opened->locks = std::make_shared<etcd::EtcdLocks>(std::make_shared<etcd::Client>(*target.etcd), target.lockLease);
  return opened;
}

DatacenterPtr openTarget(const std::optional<std::string>& file) {
  TargetSpec target;
  target.embeddedPath = kDefaultEmbeddedPath;
  if (file) target = readTarget(*file);
  return withFaults(openDatacenter(target), FaultPlan::fromEnvironment());
}

}  // namespace vdc
