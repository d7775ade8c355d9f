#include "engine/conflicts.h"

#include <algorithm>
#include <map>
#include <optional>

#include "engine/rename.h"

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

// What the old object of a delete or replace holds, by the names the
// plan's renames give what it holds (as what takes it names it).
std::vector<std::string> heldBy(const Change& c, const Renames& renames) {
  return exclusiveClaims(c.id.kind, byNewNames(c.id.kind, c.before, renames));
}

// Each claim of what `plan` deletes or replaces, as the old object holds it, by its holder.
std::map<std::string, ResourceId> heldByDeletes(const Plan& plan, const Renames& renames) {
  std::map<std::string, ResourceId> held;
  for (const auto& c : plan.changes)
    if (c.action == Action::Delete || c.action == Action::Replace)
      for (auto& claim : heldBy(c, renames)) held.emplace(std::move(claim), c.id);
  return held;
}

// What takes a claim: what is made, updated or renamed into its new state.
bool takes(Action action) {
  return action == Action::Create || action == Action::Replace || action == Action::Update || action == Action::Rename;
}

}  // namespace

void orderConflicts(Plan& plan) {
  std::map<std::string, ResourceId> held = heldByDeletes(plan, renamesIn(plan));
  if (held.empty()) return;  // most plans delete nothing that holds anything
  for (auto& c : plan.changes) {
    if (!takes(c.action)) continue;
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
  if (!takes(change.action)) return out;
  std::optional<Renames> renames;  // found once a dependency is a delete: most have none
  for (const auto& dep : change.dependencies) {
    const Change* gone = plan.find(dep);
    if (!gone || (gone->action != Action::Delete && gone->action != Action::Replace)) continue;
    if (!renames) renames = renamesIn(plan);
    auto theirs = heldBy(*gone, *renames);
    for (const auto& claim : exclusiveClaims(change.id.kind, change.after))
      if (std::find(theirs.begin(), theirs.end(), claim) != theirs.end()) {
        out.push_back({dep, claim});
        break;
      }
  }
  return out;
}

}  // namespace vdc
