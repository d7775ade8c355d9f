#include "engine/conflicts.h"

#include <algorithm>
#include <map>

namespace vdc {

std::vector<std::string> exclusiveClaims(Kind kind, const Json& spec) {
  std::vector<std::string> claims;
  auto address = [&](const Json& ip, const Json& network) {
    if (ip.is_string() && network.is_string())
      claims.push_back("address " + ip.get<std::string>() + " on Network/" + network.get<std::string>());
  };
  if (kind == Kind::Instance) {
    for (const auto& nic : member(spec, "interfaces")) address(member(nic, "ip"), member(nic, "network"));
    for (const auto& attached : member(spec, "volumes"))
      if (member(attached, "volume").is_string()) claims.push_back("Volume/" + attached["volume"].get<std::string>());
  } else if (kind == Kind::LoadBalancer) {
    address(member(spec, "address"), member(spec, "network"));
  }
  return claims;
}

namespace {

// Each claim of what `plan` deletes or replaces, as the old object holds it, by its holder.
std::map<std::string, ResourceId> heldByDeletes(const Plan& plan) {
  std::map<std::string, ResourceId> held;
  for (const auto& c : plan.changes)
    if (c.action == Action::Delete || c.action == Action::Replace)
      for (auto& claim : exclusiveClaims(c.id.kind, c.before)) held.emplace(std::move(claim), c.id);
  return held;
}

}  // namespace

void orderConflicts(Plan& plan) {
  std::map<std::string, ResourceId> held = heldByDeletes(plan);
  if (held.empty()) return;  // most plans delete nothing that holds anything
  for (auto& c : plan.changes) {
    if (c.action != Action::Create && c.action != Action::Replace && c.action != Action::Update) continue;
    for (const auto& claim : exclusiveClaims(c.id.kind, c.after)) {
      auto it = held.find(claim);
      if (it == held.end() || it->second == c.id) continue;
      if (std::find(c.dependencies.begin(), c.dependencies.end(), it->second) == c.dependencies.end())
        c.dependencies.push_back(it->second);
    }
  }
}

std::vector<std::pair<ResourceId, std::string>> conflictsOf(const Plan& plan, const Change& change) {
  std::vector<std::pair<ResourceId, std::string>> out;
  std::map<ResourceId, const Change*> deletes;
  for (const auto& c : plan.changes)
    if (c.action == Action::Delete || c.action == Action::Replace) deletes[c.id] = &c;
  for (const auto& dep : change.dependencies) {
    auto it = deletes.find(dep);
    if (it == deletes.end()) continue;
    auto theirs = exclusiveClaims(dep.kind, it->second->before);
    for (const auto& claim : exclusiveClaims(change.id.kind, change.after))
      if (std::find(theirs.begin(), theirs.end(), claim) != theirs.end()) {
        out.push_back({dep, claim});
        break;
      }
  }
  return out;
}

}  // namespace vdc
