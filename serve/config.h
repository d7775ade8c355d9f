// What `vdc serve --config FILE` serves (docs/serve.md, specs/serve-config.
// schema.json): where it listens, how it checks who calls, and the VDCs it
// keeps, each from a git branch (as `vdc watch` follows one) or a local
// directory, onto its Target.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vdc::serve {

struct ServedVdc {
  std::string name;  // the VDC's key in the API: a DNS label, unique in the file
  // A git source: repository, branch, path (as vdc watch takes them).
  std::string repository, branch = "main", path = ".";
  // Or a local directory of manifests (absolute once read).
  std::string directory;
  std::optional<std::string> target;  // a Target file (absolute); none: the embedded datacenter under `state`
  std::string targetPath;             // or a Target file in the repository
  std::chrono::seconds interval{60};
  bool heal = false, prune = true, atomic = false;
  int parallelism = 10;
};

struct ServeConfig {
  std::string host = "127.0.0.1";
  int port = 8470;
  // The names clients reach it by, besides `host` (and, on loopback,
  // localhost): a request whose Host is none of them is refused (DNS rebinding).
  std::vector<std::string> serverNames;
  std::string certificate, key;  // TLS; both or neither
  std::string tokensFile;        // bearer tokens (serve/tokens.h); none: no access control, loopback only
  std::string auditLog;          // JSON lines of every mutating call; default STATE/audit.jsonl
  std::string state;             // caches, statuses, the embedded datacenter; default .vdc/serve under the working directory
  uint64_t maxBodyBytes = 1 << 20;
  std::chrono::seconds requestTimeout{30};
  int maxStreams = 64;           // event streams open at once
  int maxConnections = 1024;     // connections open at once; past them a new one gets 503
  // This server's name among replicas serving the same VDCs, whose Targets
  // meet in etcd (engine/replicas.h); default: the host name.
  std::string replica;
  // The hosts a Target in a served repository (targetPath) may name:
  // host names, addresses or whole URIs (docs/targets.md). None by default.
  std::vector<std::string> allowedHosts;
  std::vector<ServedVdc> vdcs;

  bool tls() const { return !certificate.empty(); }
};

// Reads FILE; throws Error listing every problem at its FILE:LINE:COL. Paths
// in it are relative to the file's directory.
ServeConfig readServeConfig(const std::string& file);

// Whether `host` is a loopback address ("127.0.0.1", "::1", "localhost").
bool isLoopback(const std::string& host);

}  // namespace vdc::serve
