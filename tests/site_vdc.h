// A small VDC the tests of watching and of the operations share: VDC
// `site` with a network `front` and an instance `web` on it; kBackNetwork
// is one more document to append as a change.
#pragma once

namespace vdc::testing {

inline constexpr const char* kSite = R"(apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: site}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: front}
spec: {cidr: 10.1.0.0/24}
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: web}
spec:
  cpus: 1
  interfaces: [{network: front}]
)";

inline constexpr const char* kBackNetwork =
    "---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: back}\nspec: {cidr: 10.2.0.0/24}\n";

}  // namespace vdc::testing
