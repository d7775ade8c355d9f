// Manifests of a few tens of kilobytes, each written to make validation and
// planning do as much as it can: replicas, unknown keys, long names, long
// lists, security groups whose rules name big groups. Shared by the test
// that each is refused (engine/bounds_test.cc) and the benchmark that
// measures what refusing it costs (bench/hostile_bench.cc).
#pragma once

#include <string>
#include <vector>

namespace vdc::bench {

struct HostileManifest {
  std::string name;
  std::string yaml;      // one file, its VirtualDataCenter first
  std::string expected;  // in the report
};

inline std::vector<HostileManifest> hostileManifests() {
  const std::string vdc = "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: hostile}\n---\n";
  const std::string network =
      "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: 10.0.0.0/8}\n---\n";
  auto instance = [](const std::string& name, const std::string& spec) {
    return "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: " + name + "}\nspec: {cpus: 1" + spec + "}\n---\n";
  };
  std::vector<HostileManifest> all;

  std::string replicas = vdc + network;
  for (int i = 0; i < 30; ++i) replicas += instance("r" + std::to_string(i), ", replicas: 10000");
  all.push_back({"replicas", replicas, "replicas make more than 50000 instances"});

  // Groups of 10,000 members each, every group's rules naming every group.
  std::string groups = vdc + network;
  for (int i = 0; i < 4; ++i)
    groups += instance("m" + std::to_string(i), ", replicas: 10000, interfaces: [{network: n, securityGroups: [g" +
                                                    std::to_string(i) + "]}]");
  for (int g = 0; g < 4; ++g) {
    groups += "apiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: g" + std::to_string(g) + "}\nspec:\n  ingress:\n";
    for (int rule = 0; rule < 16; ++rule)
      groups += "    - {from: g" + std::to_string(rule % 4) + ", protocol: tcp, ports: \"" + std::to_string(rule + 1) + "\"}\n";
    groups += "---\n";
  }
  all.push_back({"group rules", groups, "would list more than 200000 member addresses"});

  std::string unknown = vdc + "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: u}\nspec:\n";
  for (int i = 0; unknown.size() < 60'000; ++i) unknown += "  x" + std::to_string(i) + ": 1\n";
  all.push_back({"unknown keys", unknown, "more errors"});

  // A flow list of empty objects: a few bytes an item.
  std::string items = vdc + "apiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: s}\nspec:\n  ingress: [";
  for (int i = 0; items.size() < 60'000; ++i) items += "{},";
  items += "{}]\n";
  all.push_back({"list items", items, "more errors"});

  // Names too long to be names, each asking for a suggestion.
  std::string longNames = vdc;
  for (int i = 0; i < 6; ++i)
    longNames += instance("l" + std::to_string(i), ", image: " + std::string(8000, static_cast<char>('a' + i)));
  all.push_back({"long names", longNames, "referenced by spec.image does not exist"});

  // Many references to names that are not there, among many that are.
  std::string references = vdc + network + instance("t", ", replicas: 10000");
  references += "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: d}\nspec:\n  cpus: 1\n  dependsOn: [";
  for (int i = 0; references.size() < 60'000; ++i) references += "Instance/t-x" + std::to_string(i) + ", ";
  references += "Instance/t-0]\n---\n";
  all.push_back({"references", references, "more errors"});
  return all;
}

}  // namespace vdc::bench
