#include "engine/follow.h"

#include <algorithm>
#include <map>
#include <set>

#include "engine/diff.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

namespace {

Following following(Kind kind, const Json& spec, const ResourceId& referred) {
  auto onReplaced = rulesOf(kind).onReplaced;
  return onReplaced ? onReplaced(spec, referred) : Following::Nothing;
}

// "NIC 0", "NICs 0 and 2": the NICs of `spec` for which `matches` holds.
std::string nicsWhere(const Json& spec, const std::function<bool(const Json& nic)>& matches) {
  std::vector<std::string> found;
  const Json& nics = member(spec, "interfaces");
  for (size_t i = 0; i < nics.size(); ++i)
    if (matches(nics[i])) found.push_back(std::to_string(i));
  if (found.empty()) return "its NIC";
  std::string out = found.size() == 1 ? "NIC " : "NICs ";
  for (size_t i = 0; i < found.size(); ++i)
    out += (i == 0 ? "" : i + 1 == found.size() ? " and " : ", ") + found[i];
  return out;
}

}  // namespace

bool holdsOn(Kind kind, const Json& spec, const ResourceId& referred) {
  return following(kind, spec, referred) != Following::Nothing;
}

void followReplaces(Plan& plan, const Vdc& desired, const LiveState& live, const UnchangedChange& unchanged) {
  std::map<ResourceId, size_t> changeOf;
  std::set<ResourceId> replaced;
  for (size_t i = 0; i < plan.changes.size(); ++i) {
    changeOf[plan.changes[i].id] = i;
    // Made again after it was deleted outside vdc: what still refers to it takes the new one.
    const Change& c = plan.changes[i];
    if (c.action == Action::Replace || (c.action == Action::Create && c.drift)) replaced.insert(c.id);
  }
  // Most plans replace nothing: they cost one pass over their changes.
  bool grew = !replaced.empty();
  while (grew) {
    grew = false;
    for (const auto& r : desired.resources) {
      const LiveObject* object = live.find(r.id);
      auto at = changeOf.find(r.id);
      if (!object || (at != changeOf.end() && plan.changes[at->second].action != Action::Update)) continue;
      for (const auto& referred : r.dependencies) {
        if (!replaced.count(referred)) continue;
        Following what = following(r.id.kind, r.spec, referred);
        if (what == Following::Nothing) continue;
        if (at == changeOf.end()) {
          plan.changes.push_back(unchanged(r, *object));
          at = changeOf.emplace(r.id, plan.changes.size() - 1).first;
          --plan.unchanged;
        }
        Change& c = plan.changes[at->second];
        if (std::find(c.follows.begin(), c.follows.end(), referred) == c.follows.end()) c.follows.push_back(referred);
        if (what == Following::Replace && c.action != Action::Replace) {
          // Made anew, it follows only what made it so.
          c.action = Action::Replace;
          c.follows = {referred};
          c.physical = object->physicalName;
          c.priorDependencies = recordedDependencies(desired.name, *object);
          replaced.insert(r.id);
          grew = true;
          break;
        }
      }
    }
  }
}

std::vector<std::string> describeFollows(const Change& c) {
  std::vector<std::string> lines;
  for (const auto& referred : c.follows) {
    std::string what = referred.str() + " (made anew)";
    if (c.action == Action::Replace) {
      lines.push_back(std::string("made anew too: ") + (c.id.kind == Kind::Instance ? "its root disk is" : "it is") +
                      " a copy-on-write child of " + what);
      continue;
    }
    switch (referred.kind) {
      case Kind::Volume: lines.push_back("re-attaches " + what); break;
      case Kind::Network:
        lines.push_back("re-plugs " + nicsWhere(c.after, [&](const Json& nic) {
                          return member(nic, "network") == referred.name;
                        }) + " into " + what);
        break;
      case Kind::SecurityGroup:
        lines.push_back("re-applies " + what + " to " + nicsWhere(c.after, [&](const Json& nic) {
                          const Json& groups = member(nic, "securityGroups");
                          return std::find(groups.begin(), groups.end(), Json(referred.name)) != groups.end();
                        }));
        break;
      default: lines.push_back("follows " + what);
    }
  }
  return lines;
}

std::string followNote(const Change& c) {
  bool running = c.action == Action::Update && !c.follows.empty() && member(c.before, "state") == "running" &&
                 member(c.after, "state") == "running";
  if (!running) return "";
  return "restarts " + restartsWhat(c.id.kind);
}

}  // namespace vdc
