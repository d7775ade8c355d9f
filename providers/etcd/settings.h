// Where an etcd cluster is and how to reach it, as a Target's
// coordination.etcd names it (docs/targets.md).
#pragma once

#include <string>
#include <vector>

namespace vdc::etcd {

struct Settings {
  std::vector<std::string> endpoints;  // http://HOST:PORT or https://HOST:PORT, tried in turn
  std::string prefix = "/vdc/";        // every key vdc writes starts with it
  // TLS: the CA that signed the members' certificates, and this client's
  // certificate and key when the cluster asks for one. Files.
  std::string ca, cert, key;
};

}  // namespace vdc::etcd
