#include "engine/graph.h"

#include <algorithm>
#include <map>

#include <boost/graph/strong_components.hpp>
#include <boost/graph/topological_sort.hpp>

namespace vdc {

DependencyGraph::DependencyGraph(std::vector<ResourceId> ids,
                                 const std::vector<std::vector<ResourceId>>& dependencies)
    : ids_(std::move(ids)), needs_(ids_.size()), graph_(ids_.size()) {
  std::map<ResourceId, size_t> index;
  for (size_t i = 0; i < ids_.size(); ++i) index.emplace(ids_[i], i);
  for (size_t i = 0; i < ids_.size(); ++i) {
    for (const auto& dep : dependencies[i]) {
      auto it = index.find(dep);
      if (it == index.end() || it->second == i) continue;
      needs_[i].push_back(it->second);
      boost::add_edge(i, it->second, graph_);
    }
  }
}

DependencyGraph DependencyGraph::of(const Vdc& vdc) {
  std::vector<ResourceId> ids;
  std::vector<std::vector<ResourceId>> deps;
  ids.reserve(vdc.resources.size());
  deps.reserve(vdc.resources.size());
  for (const auto& r : vdc.resources) {
    ids.push_back(r.id);
    deps.push_back(r.dependencies);
    if (r.id.kind != Kind::VirtualDataCenter) deps.back().push_back({Kind::VirtualDataCenter, vdc.name});
  }
  return DependencyGraph(std::move(ids), deps);
}

std::vector<std::vector<ResourceId>> DependencyGraph::cycles() const {
  std::vector<int> component(ids_.size());
  int count = boost::strong_components(graph_, component.data());
  std::vector<std::vector<size_t>> members(count);
  for (size_t v = 0; v < ids_.size(); ++v) members[component[v]].push_back(v);

  std::vector<std::vector<ResourceId>> result;
  for (const auto& group : members) {
    if (group.size() < 2) continue;
    // Walk inside the component from its first member until a vertex repeats.
    int c = component[group.front()];
    std::vector<size_t> path{group.front()};
    std::vector<int> seenAt(ids_.size(), -1);
    seenAt[group.front()] = 0;
    while (true) {
      size_t v = path.back();
      size_t next = v;
      for (size_t w : needs_[v])
        if (component[w] == c) {
          next = w;
          break;
        }
      if (seenAt[next] >= 0) {
        std::vector<ResourceId> cycle;
        for (size_t i = seenAt[next]; i < path.size(); ++i) cycle.push_back(ids_[path[i]]);
        cycle.push_back(ids_[next]);
        result.push_back(std::move(cycle));
        break;
      }
      seenAt[next] = static_cast<int>(path.size());
      path.push_back(next);
    }
  }
  return result;
}

std::vector<size_t> DependencyGraph::order() const {
  // topological_sort emits a vertex after everything it points to, which
  // for "needs" edges is exactly dependencies first.
  std::vector<size_t> out;
  out.reserve(ids_.size());
  boost::topological_sort(graph_, std::back_inserter(out));
  return out;
}

static std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string DependencyGraph::dot(const std::string& title) const {
  std::string out = "digraph " + quoted(title) + " {\n  rankdir=LR;\n  node [shape=box];\n";
  for (const auto& id : ids_) out += "  " + quoted(id.str()) + ";\n";
  for (size_t v = 0; v < ids_.size(); ++v)
    for (size_t w : needs_[v]) out += "  " + quoted(ids_[v].str()) + " -> " + quoted(ids_[w].str()) + ";\n";
  return out + "}\n";
}

void checkCycles(const Vdc& vdc, Diagnostics& diags) {
  for (const auto& cycle : DependencyGraph::of(vdc).cycles()) {
    std::string text;
    for (const auto& id : cycle) text += (text.empty() ? "" : " -> ") + id.str();
    const Resource* first = vdc.find(cycle.front());
    diags.add(first ? first->where : Location{}, "dependency cycle: " + text);
  }
}

}  // namespace vdc
