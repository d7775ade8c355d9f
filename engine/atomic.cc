#include "engine/atomic.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "engine/diff.h"
#include "engine/hash.h"
#include "engine/rename.h"
#include "engine/stop_request.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

namespace {

// Passes on what each walk does, and tells the start only once: the
// phases and the undo make one apply to whoever watches it.
class Relay : public ApplyObserver {
 public:
  explicit Relay(ApplyObserver* to) : to_(to) {}
  void started(const ResourceId& id, Action action, Step step) override {
    if (to_) to_->started(id, action, step);
  }
  void finished(const Outcome& outcome) override {
    if (to_) to_->finished(outcome);
  }

 private:
  ApplyObserver* to_;
};

// A plan of the same VDC and target holding some of `plan`'s changes.
Plan part(const Plan& plan) {
  Plan out = plan;
  out.changes.clear();
  return out;
}

// Makes that wait for nothing destructive go first: creates, updates and
// adoptions that need no replaced resource. The rest (deletes, replaces and
// what needs a replaced resource) go once all of the first succeeded.
std::pair<Plan, Plan> splitDestructive(const Plan& plan) {
  std::map<ResourceId, const Change*> byId;
  for (const auto& c : plan.changes) byId[c.id] = &c;
  std::map<ResourceId, bool> late;  // memo: needs a replaced resource, directly or not
  std::function<bool(const Change&)> waitsOnReplace = [&](const Change& c) {
    if (auto it = late.find(c.id); it != late.end()) return it->second;
    late[c.id] = false;  // the graph has no cycles; this only guards the recursion
    bool result = false;
    for (const auto& dep : c.dependencies) {
      auto it = byId.find(dep);
      if (it == byId.end() || it->second == &c) continue;
      // A delete it depends on holds what it takes (engine/conflicts.h).
      Action action = it->second->action;
      if (action == Action::Replace || action == Action::Delete || waitsOnReplace(*it->second)) result = true;
    }
    return late[c.id] = result;
  };
  Plan first = part(plan), then = part(plan);
  for (const auto& c : plan.changes) {
    bool destructive = c.action == Action::Delete || c.action == Action::Replace;
    (destructive || waitsOnReplace(c) ? then : first).changes.push_back(c);
  }
  return {std::move(first), std::move(then)};
}

void append(ApplyReport& into, ApplyReport&& from) {
  for (auto& o : from.outcomes) into.outcomes.push_back(std::move(o));
  into.interrupted = into.interrupted || from.interrupted;
  if (into.leaseLost.empty()) into.leaseLost = from.leaseLost;
}

// The target's record of `object` as the desired state of an undo: what
// the object was, drift included, so that the plan afterwards is the plan
// before; or, `fromRecord`, what vdc made of it, for an object the apply
// deleted or replaced, which is made again.
Resource asBefore(const std::string& vdc, const LiveObject& object, bool fromRecord) {
  Resource r;
  r.id = object.id;
  bool recorded = object.recorded.is_object() && !object.recorded.empty();
  r.spec = fromRecord && recorded ? object.recorded
           // What the target showed gone (a root disk's image, a volume deleted by
           // hand) is no state to make again: the record's value stays.
           : recorded             ? overlay(object.recorded, object.observed, true)
                                  : object.effective();
  r.specHash = r.spec == object.recorded ? object.specHash : canonicalHash(r.spec);
  r.dependencies = recordedDependencies(vdc, object);
  return r;
}

}  // namespace

std::string irreversibility(const Change& c) {
  if (c.action == Action::Adopt) return "an adopted object is not given back: undone, it stays this VDC's";
  if (c.action != Action::Delete && c.action != Action::Replace) return "";
  return dataLostBy(c.id.kind, c.before);
}

std::vector<std::string> irreversibleChanges(const Plan& plan) {
  std::vector<std::string> found;
  for (const auto& c : plan.changes)
    if (auto why = irreversibility(c); !why.empty())
      found.push_back("the plan " + std::string(actionName(c.action)) + "s " + c.id.str() +
                      ", which cannot be undone (" + why + "); --atomic takes it only with --allow-irreversible");
  return found;
}

Plan undoPlan(const Plan& plan, const LiveState& before, LiveState& now, const std::vector<ResourceId>& touched) {
  std::set<ResourceId> started(touched.begin(), touched.end()), adopted;
  std::vector<LiveObject> leftovers;
  for (const auto& [id, physical] : now.missing())
    if (now.isMissing(id) && !before.isMissing(id) && !before.find(id)) {
      LiveObject left{id, physical, "", Json::object(), Json::object()};
      left.orphaned = true;
      leftovers.push_back(std::move(left));
      started.insert(id);
    }
  for (auto& left : leftovers) now.add(std::move(left));
  // What the plan deletes or replaces is made again from its record: drift
  // that broke it (a root disk deleted by hand) is no state to make again.
  // Objects no operation started on, whose record a provider wrote ahead
  // (ApplyIntent), are as they were: only their record is put back. An
  // object deleted outside vdc that the apply made again stays: its absence
  // is no state to go back to.
  std::set<ResourceId> remade, recordOnly, repaired;
  std::map<ResourceId, std::string> renamedBack;  // a renamed resource's old id -> its new name
  for (const auto& c : plan.changes) {
    if (c.action == Action::Rename && started.count(c.id)) {
      renamedBack[{c.id.kind, c.renamedFrom}] = c.id.name;
      started.insert({c.id.kind, c.renamedFrom});
    }
    if (c.action == Action::Delete || c.action == Action::Replace) remade.insert(c.id);
    if (c.action == Action::Adopt) adopted.insert(c.id);
    if (c.action != Action::Delete && before.find(c.id) && !started.count(c.id)) recordOnly.insert(c.id);
    if (c.action == Action::Create && c.drift) repaired.insert(c.id);
  }
  Vdc old;
  old.name = plan.vdc;
  old.directory = plan.directory;
  for (const auto& [id, object] : before.objects()) {
    old.resources.push_back(asBefore(plan.vdc, object, remade.count(id) > 0));
    // A rename is undone by renaming back.
    if (auto back = renamedBack.find(id); back != renamedBack.end()) old.resources.back().renamedFrom = back->second;
  }
  old.index();
  Diagnostics ignored;  // names taken by others were there before: the undo leaves them
  Plan undo = diff(old, now, plan.target, false, ignored);
  std::erase_if(undo.changes, [&](const Change& c) {
    return !(started.count(c.id) || recordOnly.count(c.id)) ||
           ((adopted.count(c.id) || repaired.count(c.id)) && c.action == Action::Delete);
  });
  for (auto& c : undo.changes)
    if (recordOnly.count(c.id) && c.action == Action::Replace) {
      c.action = Action::Update;
      c.physical.clear();
      c.priorDependencies.clear();
      c.follows.clear();
    }
  // Nothing follows what is no longer replaced; what only followed it has nothing left to do.
  for (auto& c : undo.changes)
    std::erase_if(c.follows, [&](const ResourceId& id) { return recordOnly.count(id) > 0; });
  std::erase_if(undo.changes, [&](const Change& c) {
    const LiveObject* object = now.find(c.id);
    return c.action == Action::Update && c.fields.empty() && c.follows.empty() && object &&
           object->specHash == c.specHash;
  });
  return undo;
}

ApplyReport applyAtomically(const Plan& plan, Datacenter& datacenter, const LiveState& live,
                            const ApplyOptions& options) {
  if (!options.allowIrreversible)
    if (auto found = irreversibleChanges(plan); !found.empty()) {
      std::string message = "an atomic apply can undo every change or it does not begin; nothing was changed:";
      for (const auto& line : found) message += "\n  " + line;
      throw Error(message);
    }
  auto [first, then] = splitDestructive(plan);
  ApplyOptions phase = options;
  phase.atomic = false;
  Relay relay(options.observer);
  phase.observer = &relay;
  if (options.observer) options.observer->begun(operationCount(plan));

  ApplyReport report = apply(first, datacenter, live, phase);
  if (report.ok()) {
    ApplyOptions second = phase;
    second.renamedBefore = renamesIn(first);  // what the second phase refers to by their new names
    append(report, apply(then, datacenter, live, second));
    if (report.ok()) return report;
  } else {
    // The destructive half never began.
    for (const auto& c : then.changes) {
      if (c.action == Action::Delete || c.action == Action::Replace)
        report.outcomes.push_back({c.id, c.action, Step::Delete, Status::NotStarted, ""});
      if (releasesFirst(c))
        report.outcomes.push_back({c.id, c.action, Step::Release, Status::NotStarted, ""});
      if (c.action != Action::Delete) report.outcomes.push_back({c.id, c.action, Step::Make, Status::NotStarted, ""});
    }
  }
  if (!report.leaseLost.empty()) return report;

  std::vector<ResourceId> touched;
  for (const auto& o : report.outcomes)
    if (o.status == Status::Done || o.status == Status::Failed) touched.push_back(o.id);
  LiveState now = datacenter.read(plan.vdc);
  Plan undo = undoPlan(plan, live, now, touched);
  if (options.observer) options.observer->rollingBack(operationCount(undo));
  // The undo runs to its end, its copies of disks included: an
  // interruption is what it answers.
  ApplyOptions undoing = phase;
  undoing.interrupted = nullptr;
  LongStepsFinish finish;
  undoing.contents.clear();
  ApplyReport undone = apply(undo, datacenter, now, undoing);
  report.rolledBack = undone.ok();
  report.rollback = std::move(undone.outcomes);
  if (!undone.leaseLost.empty()) report.leaseLost = undone.leaseLost;
  return report;
}

}  // namespace vdc
