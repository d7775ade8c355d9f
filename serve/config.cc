#include "serve/config.h"

#include <filesystem>
#include <set>

#include "base/config_file.h"
#include "base/text.h"
#include "engine/units.h"
#include "operations/revision_rules.h"

namespace vdc::serve {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMaxConfigBytes = 1 << 20;
constexpr size_t kMostVdcs = 1000;

std::string besideFile(const std::string& file, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return fs::absolute(fs::path(file).parent_path() / path).lexically_normal().string();
}

bool flagOf(const std::string& file, const YAML::Node& node, const std::string& what, Diagnostics& diags, bool fallback) {
  std::string text = textOf(file, node, what, diags);
  if (text.empty()) return fallback;
  if (text == "true") return true;
  if (text == "false") return false;
  diags.add(at(file, node), what + " must be true or false");
  return fallback;
}

std::chrono::seconds durationOf(const std::string& file, const YAML::Node& node, const std::string& what,
                                Diagnostics& diags, std::chrono::seconds fallback) {
  std::string text = textOf(file, node, what, diags);
  if (text.empty()) return fallback;
  auto parsed = parseDuration(text);
  if (!parsed) diags.add(at(file, node), what + " must be a duration (30s, 5m, 1h)");
  return parsed.value_or(fallback);
}

void readListen(const std::string& file, const YAML::Node& node, ServeConfig& config, Diagnostics& diags) {
  std::string listen = textOf(file, node, "listen", diags);
  if (listen.empty()) return;
  auto colon = listen.rfind(':');
  std::string port = colon == std::string::npos ? "" : listen.substr(colon + 1);
  if (colon == std::string::npos || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    diags.add(at(file, node), "listen must be HOST:PORT, e.g. 127.0.0.1:8470");
    return;
  }
  config.host = listen.substr(0, colon);
  if (config.host.size() > 2 && config.host.front() == '[' && config.host.back() == ']')
    config.host = config.host.substr(1, config.host.size() - 2);  // [::1]:8470
  config.port = std::stoi(port);
}

ServedVdc readVdc(const std::string& file, const YAML::Node& node, Diagnostics& diags) {
  ServedVdc vdc;
  if (!mappingOf(file, node, "a served VDC", diags)) return vdc;
  rejectUnknownKeys(file, node,
                    {"name", "directory", "interval", "git", "target", "targetPath", "heal", "prune", "atomic", "parallelism"},
                    "a served VDC", diags);
  vdc.name = textOf(file, node["name"], "a served VDC's name", diags);
  if (!isDnsLabel(vdc.name)) diags.add(at(file, node), "a served VDC needs a name that is a DNS label");
  vdc.directory = besideFile(file, textOf(file, node["directory"], "directory", diags));
  if (YAML::Node git = node["git"]; git && mappingOf(file, git, "git", diags)) {
    rejectUnknownKeys(file, git, {"repository", "branch", "path", "interval"}, "git", diags);
    vdc.repository = textOf(file, git["repository"], "git repository", diags);
    if (vdc.repository.empty()) diags.add(at(file, git), "git needs a repository (a URL or a path)");
    else if (vdc.repository.find("://") == std::string::npos && vdc.repository.find('@') == std::string::npos)
      vdc.repository = besideFile(file, vdc.repository);
    vdc.branch = textOf(file, git["branch"], "git branch", diags, vdc.branch);
    vdc.path = textOf(file, git["path"], "git path", diags, vdc.path);
    vdc.interval = durationOf(file, git["interval"], "git interval", diags, vdc.interval);
  }
  if (vdc.directory.empty() == vdc.repository.empty())
    diags.add(at(file, node), "a served VDC has either 'directory' or 'git'");
  // How often a directory is read; a repository's interval is git's own.
  if (YAML::Node interval = node["interval"]) {
    if (!vdc.repository.empty()) diags.add(at(file, interval), "a git source's interval is git.interval");
    else vdc.interval = durationOf(file, interval, "interval", diags, vdc.interval);
  }
  if (node["target"]) vdc.target = besideFile(file, textOf(file, node["target"], "target", diags));
  vdc.targetPath = textOf(file, node["targetPath"], "targetPath", diags);
  if (!vdc.targetPath.empty() && vdc.repository.empty())
    diags.add(at(file, node["targetPath"]), "targetPath names a Target in the repository: it needs 'git'");
  if (!vdc.targetPath.empty() && vdc.target)
    diags.add(at(file, node["targetPath"]), "a served VDC has 'target' or 'targetPath', not both");
  vdc.heal = flagOf(file, node["heal"], "heal", diags, vdc.heal);
  vdc.prune = flagOf(file, node["prune"], "prune", diags, vdc.prune);
  vdc.atomic = flagOf(file, node["atomic"], "atomic", diags, vdc.atomic);
  vdc.parallelism = static_cast<int>(numberOf(file, node["parallelism"], "parallelism", diags, 10, 1, 256));
  return vdc;
}

}  // namespace

bool isLoopback(const std::string& host) {
  // An address, not a name that starts like one ("127.example.org").
  auto ip = Ipv4::parse(host);
  return host == "localhost" || host == "::1" || (ip && (ip->value >> 24) == 127);
}

ServeConfig readServeConfig(const std::string& file) {
  Diagnostics diags;
  YAML::Node doc = loadConfigFile(file, kMaxConfigBytes, "serve configuration", diags);
  ServeConfig config;
  if (!doc.IsMap() || textOf(file, doc["kind"], "kind", diags) != "ServeConfig") {
    diags.add(at(file, doc), "not a ServeConfig document (kind: ServeConfig)");
  } else {
    rejectUnknownKeys(file, doc, {"apiVersion", "kind", "metadata", "spec"}, "ServeConfig", diags);
    if (textOf(file, doc["apiVersion"], "apiVersion", diags) != "vdc/v1") diags.add(at(file, doc), "apiVersion must be vdc/v1");
    YAML::Node spec = doc["spec"];
    if (mappingOf(file, spec, "spec", diags)) {
      rejectUnknownKeys(file, spec, {"listen", "serverNames", "tls", "tokens", "auditLog", "state", "limits", "vdcs", "replica", "allowedHosts"}, "ServeConfig spec",
                        diags);
      readListen(file, spec["listen"], config, diags);
      if (YAML::Node tls = spec["tls"]; tls && mappingOf(file, tls, "tls", diags)) {
        rejectUnknownKeys(file, tls, {"certificate", "key"}, "tls", diags);
        config.certificate = besideFile(file, textOf(file, tls["certificate"], "tls certificate", diags));
        config.key = besideFile(file, textOf(file, tls["key"], "tls key", diags));
        if (config.certificate.empty() || config.key.empty())
          diags.add(at(file, tls), "tls needs both a certificate and a key (PEM files)");
      }
      config.tokensFile = besideFile(file, textOf(file, spec["tokens"], "tokens", diags));
      // Like every .vdc/ of vdc's, the default state is under the working directory.
      config.state = besideFile(file, textOf(file, spec["state"], "state", diags));
      config.replica = textOf(file, spec["replica"], "replica", diags);
      if (!config.replica.empty() && !isDnsLabel(config.replica))
        diags.add(at(file, spec["replica"]), "replica is a name among replicas: a DNS label");
      if (config.state.empty()) config.state = fs::absolute(".vdc/serve").string();
      config.auditLog = besideFile(file, textOf(file, spec["auditLog"], "auditLog", diags));
      if (config.auditLog.empty()) config.auditLog = (fs::path(config.state) / "audit.jsonl").string();
      if (YAML::Node limits = spec["limits"]; limits && mappingOf(file, limits, "limits", diags)) {
        rejectUnknownKeys(file, limits, {"maxBodyBytes", "requestTimeout", "maxStreams", "maxConnections"}, "limits",
                          diags);
        if (limits["maxBodyBytes"]) {
          auto bytes = parseSize(textOf(file, limits["maxBodyBytes"], "maxBodyBytes", diags));
          if (!bytes || *bytes == 0 || *bytes > (64u << 20))
            diags.add(at(file, limits["maxBodyBytes"]), "maxBodyBytes must be a size from 1 byte to 64MiB");
          else config.maxBodyBytes = *bytes;
        }
        config.requestTimeout = durationOf(file, limits["requestTimeout"], "requestTimeout", diags, config.requestTimeout);
        config.maxStreams = static_cast<int>(numberOf(file, limits["maxStreams"], "maxStreams", diags, 64, 1, 10'000));
        config.maxConnections =
            static_cast<int>(numberOf(file, limits["maxConnections"], "maxConnections", diags, 1024, 1, 100'000));
      }
      if (YAML::Node names = spec["serverNames"]) {
        if (!names.IsSequence()) diags.add(at(file, names), "serverNames is a list of host names");
        for (const auto& entry : names) {
          config.serverNames.push_back(lowerCase(textOf(file, entry, "a server name", diags)));
        }
      }
      if (YAML::Node hosts = spec["allowedHosts"]) {
        if (!hosts.IsSequence()) diags.add(at(file, hosts), "allowedHosts is a list of host names, addresses or URIs");
        for (const auto& entry : hosts) config.allowedHosts.push_back(textOf(file, entry, "an allowed host", diags));
        operations::RevisionRules rules;
        rules.allowedHosts = config.allowedHosts;
        for (const auto& problem : operations::ruleProblems(rules)) diags.add(at(file, hosts), problem);
      }
      YAML::Node vdcs = spec["vdcs"];
      if (!vdcs || !vdcs.IsSequence() || vdcs.size() == 0 || vdcs.size() > kMostVdcs) {
        diags.add(at(file, vdcs ? vdcs : spec), "vdcs must be a list of 1 to " + std::to_string(kMostVdcs) + " VDCs");
      } else {
        std::set<std::string> names;
        for (const auto& node : vdcs) {
          config.vdcs.push_back(readVdc(file, node, diags));
          if (!config.vdcs.back().name.empty() && !names.insert(config.vdcs.back().name).second)
            diags.add(at(file, node), "two served VDCs are named '" + config.vdcs.back().name + "'");
        }
      }
      // Anyone who can reach a port off this machine could act on every VDC.
      if (!isLoopback(config.host) && (!config.tls() || config.tokensFile.empty()))
        diags.add(at(file, spec["listen"]), "listening on " + config.host +
                                                 ", which is not loopback, needs tls and tokens: without them anyone "
                                                 "who reaches the port could read and change every VDC");
    }
  }
  diags.throwIfAny();
  return config;
}

}  // namespace vdc::serve
