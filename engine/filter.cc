#include "engine/filter.h"

#include <deque>
#include <map>

#include "base/error.h"
#include "engine/follow.h"
#include "engine/resolve.h"
#include "base/text.h"

namespace vdc {

namespace {

// Whether `id` is `address` or one of its replicas (web-0, web-1, ...).
bool named(const ResourceId& address, const ResourceId& id) {
  if (id == address) return true;
  if (id.kind != Kind::Instance || address.kind != Kind::Instance) return false;
  const std::string& name = id.name;
  std::string prefix = address.name + "-";
  return name.size() > prefix.size() && name.starts_with(prefix) &&
         name.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
}

// Which change must come before which: a make after the makes of what it
// needs; a delete (also a replace's) before the deletes of what it needed;
// what follows a replace before it.
class Order {
 public:
  explicit Order(const Plan& plan) {
    std::map<ResourceId, Action> action;
    for (const auto& c : plan.changes) action[c.id] = c.action;
    auto makes = [&](const ResourceId& id) { return action.count(id) && action[id] != Action::Delete; };
    auto deletes = [&](const ResourceId& id) {
      return action.count(id) && (action[id] == Action::Delete || action[id] == Action::Replace);
    };
    for (const auto& c : plan.changes) {
      if (makes(c.id))
        for (const auto& d : c.dependencies)
          if (d != c.id && (makes(d) || deletes(d))) edge(d, c.id);  // a delete: it holds what c takes
      if (deletes(c.id))
        for (const auto& d : c.action == Action::Replace ? c.priorDependencies : c.dependencies)
          if (d != c.id && deletes(d)) edge(c.id, d);
      // What follows a replace lets go of it first (engine/follow.h): the
      // two are kept or left out together.
      for (const auto& d : c.follows)
        if (d != c.id) edge(c.id, d);
      // An update lets go of what is deleted before it goes (engine/apply.h).
      if ((c.action == Action::Update || c.action == Action::Rename) && c.before.is_object())
        for (const auto& d : specReferences(c.id.kind, c.before))
          if (d != c.id && action.count(d) && action[d] == Action::Delete && holdsOn(c.id.kind, c.before, d))
            edge(c.id, d);
    }
  }

  // `from` and everything that must come before it (before: true) or after it;
  // each with the change it was reached from (itself for `from`).
  void reach(const std::vector<ResourceId>& from, bool before, std::map<ResourceId, ResourceId>& into) const {
    std::deque<ResourceId> queue;
    for (const auto& id : from)
      if (into.emplace(id, id).second) queue.push_back(id);
    const auto& next = before ? before_ : after_;
    while (!queue.empty()) {
      ResourceId id = queue.front();
      queue.pop_front();
      auto it = next.find(id);
      if (it == next.end()) continue;
      for (const auto& other : it->second)
        if (into.emplace(other, id).second) queue.push_back(other);
    }
  }

 private:
  void edge(const ResourceId& first, const ResourceId& then) {
    after_[first].push_back(then);
    before_[then].push_back(first);
  }
  std::map<ResourceId, std::vector<ResourceId>> before_, after_;
};

}  // namespace

std::vector<ResourceId> resolveAddress(const std::string& flag, const std::string& text, const std::set<ResourceId>& known) {
  ResourceId address = parseAddress(flag, text);
  if (known.count(address)) return {address};
  std::vector<ResourceId> ids;
  for (const auto& id : known)
    if (named(address, id)) ids.push_back(id);
  if (ids.empty())
    throw Error(flag + " " + printable(text) + ": the VDC has no such resource, in its manifests or on the target");
  return ids;
}

void filterPlan(Plan& plan, const PlanFilter& filter, const std::set<ResourceId>& known) {
  if (filter.empty()) return;
  std::vector<ResourceId> only, exclude;
  for (const auto& text : filter.only)
    for (auto& id : resolveAddress("--only", text, known)) only.push_back(std::move(id));
  for (const auto& text : filter.exclude)
    for (auto& id : resolveAddress("--exclude", text, known)) exclude.push_back(std::move(id));
  plan.only = filter.only;
  plan.exclude = filter.exclude;

  Order order(plan);
  std::map<ResourceId, ResourceId> selected, excluded;
  if (!only.empty()) order.reach(only, true, selected);
  order.reach(exclude, false, excluded);
  std::vector<Change> kept;
  for (auto& c : plan.changes) {
    std::string why;
    if (auto it = excluded.find(c.id); it != excluded.end())
      why = it->second == c.id ? "excluded" : "comes after " + it->second.str() + ", which is left out";
    else if (!only.empty() && !selected.count(c.id))
      why = "not selected";
    if (why.empty()) kept.push_back(std::move(c));
    else plan.leftOut.push_back({c.id, c.action, why});
  }
  plan.changes = std::move(kept);
}

}  // namespace vdc
