// The dependency graph of a VDC (Boost.Graph): an edge A -> B means A needs
// B to exist first. Every resource implicitly needs its VirtualDataCenter.
#pragma once

#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "engine/model.h"

namespace vdc {

class DependencyGraph {
 public:
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

  // `ids[i]` is vertex i; `dependencies[i]` the ids vertex i needs.
  DependencyGraph(std::vector<ResourceId> ids, const std::vector<std::vector<ResourceId>>& dependencies);
  static DependencyGraph of(const Vdc& vdc);

  size_t size() const { return ids_.size(); }
  const ResourceId& id(size_t vertex) const { return ids_[vertex]; }
  const std::vector<size_t>& needs(size_t vertex) const { return needs_[vertex]; }

  // Each cycle as the list of its members, first repeated at the end.
  std::vector<std::vector<ResourceId>> cycles() const;
  // Vertices with every dependency before its dependents. Requires no cycles.
  std::vector<size_t> order() const;
  std::string dot(const std::string& title) const;

 private:
  std::vector<ResourceId> ids_;
  std::vector<std::vector<size_t>> needs_;
  Graph graph_;
};

// Adds a "dependency cycle" error for every cycle, at its first member.
void checkCycles(const Vdc& vdc, Diagnostics& diags);

}  // namespace vdc
