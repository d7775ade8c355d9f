#include "engine/apply.h"

#include <algorithm>
#include <iterator>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "engine/atomic.h"
#include "engine/follow.h"
#include "engine/rename.h"
#include "engine/resolve.h"

namespace vdc {

namespace {

struct Operation {
  size_t change;
  Step step;
  std::vector<size_t> dependents;
  size_t waitingFor = 0;
  std::vector<ParallelLimits::Bound> bounds;  // held while it runs (engine/limits.h)
};

class Walk {
 public:
  Walk(const Plan& plan, Datacenter& datacenter, const LiveState& live, const ApplyOptions& options)
      : plan_(plan), datacenter_(datacenter), live_(live), options_(options), renames_(renamesIn(plan)) {
    renames_.insert(options.renamedBefore.begin(), options.renamedBefore.end());
    build();
    refuseCycles();
  }

  ApplyReport run() {
    if (options_.observer) options_.observer->begun(ops_.size());
    for (size_t i = 0; i < ops_.size(); ++i)
      if (ops_[i].waitingFor == 0) ready_.push_back(i);
    int workers = std::max(1, std::min<int>(options_.parallelism, static_cast<int>(ops_.size())));
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i) threads.emplace_back([this] { work(); });
    for (auto& t : threads) t.join();
    report_.interrupted = options_.interrupted && options_.interrupted->load();
    report_.leaseLost = leaseLost_;
    return std::move(report_);
  }

 private:
  void build() {
    std::map<ResourceId, size_t> makeOf, removeOf, releaseOf;
    for (size_t i = 0; i < plan_.changes.size(); ++i) {
      const Change& c = plan_.changes[i];
      if (c.action == Action::Delete || c.action == Action::Replace) removeOf[c.id] = add(i, Step::Delete);
      if (releasesFirst(c)) releaseOf[c.id] = add(i, Step::Release);
      if (c.action != Action::Delete) makeOf[c.id] = add(i, Step::Make);
    }
    for (size_t i = 0; i < plan_.changes.size(); ++i) {
      const Change& c = plan_.changes[i];
      if (auto make = makeOf.find(c.id); make != makeOf.end()) {
        for (const auto& dep : c.dependencies)
          if (auto it = makeOf.find(dep); it != makeOf.end()) edge(it->second, make->second);
          // A delete it depends on holds what it takes (engine/conflicts.h).
          else if (auto gone = removeOf.find(dep); gone != removeOf.end() && dep != c.id) edge(gone->second, make->second);
        if (auto remove = removeOf.find(c.id); remove != removeOf.end()) edge(remove->second, make->second);
      }
      // An update that lets go of what is deleted (a volume detached) goes before that delete.
      if ((c.action == Action::Update || c.action == Action::Rename) && c.before.is_object())
        for (const auto& was : specReferences(c.id.kind, c.before))
          if (auto gone = removeOf.find(was); gone != removeOf.end() && !makeOf.count(was) && holdsOn(c.id.kind, c.before, was))
            edge(makeOf.at(c.id), gone->second);
      // Let go of what is replaced before it goes; taken again by the make, after its make.
      if (auto release = releaseOf.find(c.id); release != releaseOf.end()) {
        edge(release->second, makeOf.at(c.id));
        for (const auto& followed : c.follows)
          if (auto it = removeOf.find(followed); it != removeOf.end()) edge(release->second, it->second);
      }
      if (auto remove = removeOf.find(c.id); remove != removeOf.end()) {
        const auto& needed = c.action == Action::Replace ? c.priorDependencies : c.dependencies;
        for (const auto& dep : needed)
          if (auto it = removeOf.find(dep); it != removeOf.end() && it->second != remove->second)
            edge(remove->second, it->second);
      }
    }
  }

  // Operations that wait on each other would never start: refused before
  // any begins (a plan vdc makes has none; a saved one is checked too).
  void refuseCycles() const {
    std::vector<size_t> waiting(ops_.size());
    std::vector<size_t> ready;
    for (size_t i = 0; i < ops_.size(); ++i)
      if ((waiting[i] = ops_[i].waitingFor) == 0) ready.push_back(i);
    size_t ordered = 0;
    while (!ready.empty()) {
      size_t op = ready.back();
      ready.pop_back();
      ++ordered;
      for (size_t next : ops_[op].dependents)
        if (--waiting[next] == 0) ready.push_back(next);
    }
    if (ordered == ops_.size()) return;
    std::string stuck;
    for (size_t i = 0; i < ops_.size() && stuck.size() < 300; ++i)
      if (waiting[i] > 0)
        stuck += (stuck.empty() ? "" : ", ") + std::string(stepName(ops_[i].step)) + " " +
                 plan_.changes[ops_[i].change].id.str();
    throw Error("the plan's operations wait on each other, so none of them could begin: " + stuck +
                "; nothing was changed");
  }

  size_t add(size_t change, Step step) {
    const Change& c = plan_.changes[change];
    // A delete acts where the object is, a make where it will be.
    const Json& spec = step == Step::Delete ? c.before : c.after;
    ops_.push_back({change, step, {}, 0, datacenter_.limits.boundsOf(c.id.kind, spec)});
    report_.outcomes.push_back({c.id, c.action, step});
    return ops_.size() - 1;
  }

  void edge(size_t first, size_t then) {
    ops_[first].dependents.push_back(then);
    ++ops_[then].waitingFor;
  }

  // Interrupted by a signal, or the lease is lost: nothing new starts.
  bool interrupted() const {
    return (options_.interrupted && options_.interrupted->load()) || !leaseLost_.empty();
  }

  // Whether the writer still holds its lease; called with mutex_ held.
  bool leaseHeld() {
    if (!options_.lease || !leaseLost_.empty()) return leaseLost_.empty();
    try {
      options_.lease->check();
      return true;
    } catch (const std::exception& e) {
      leaseLost_ = e.what();
      return false;
    }
  }

  // The first ready operation whose host and pool have room; ready_.end()
  // when none has (all wait for one in flight: with nothing in flight, every
  // bound has room).
  std::deque<size_t>::iterator startable() {
    return std::find_if(ready_.begin(), ready_.end(), [&](size_t op) {
      return std::all_of(ops_[op].bounds.begin(), ops_[op].bounds.end(),
                         [&](const ParallelLimits::Bound& b) { return busy_[b.name] < b.most; });
    });
  }

  void work() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return startable() != ready_.end() || inFlight_ == 0 || interrupted(); });
      auto next = startable();
      if (next != ready_.end() && !leaseHeld()) next = ready_.end();
      if (next == ready_.end() || interrupted()) {
        if (inFlight_ == 0 || interrupted()) {
          wake_.notify_all();
          return;
        }
        continue;
      }
      size_t op = *next;
      ready_.erase(next);
      ++inFlight_;
      for (const auto& b : ops_[op].bounds) ++busy_[b.name];
      lock.unlock();
      Outcome result = execute(op);
      lock.lock();
      report_.outcomes[op].status = result.status;
      report_.outcomes[op].error = result.error;
      report_.outcomes[op].transient = result.transient;
      report_.outcomes[op].seconds = result.seconds;
      if (result.status == Status::Done) {
        for (size_t next : ops_[op].dependents)
          if (--ops_[next].waitingFor == 0) ready_.push_back(next);
      } else {
        skipDependents(op);
      }
      --inFlight_;
      for (const auto& b : ops_[op].bounds) --busy_[b.name];
      if (options_.observer) options_.observer->finished(report_.outcomes[op]);
      wake_.notify_all();
    }
  }

  void skipDependents(size_t failed) {
    std::vector<size_t> stack(ops_[failed].dependents.begin(), ops_[failed].dependents.end());
    while (!stack.empty()) {
      size_t op = stack.back();
      stack.pop_back();
      Outcome& o = report_.outcomes[op];
      if (o.status == Status::Skipped) continue;
      o.status = Status::Skipped;
      o.error = "skipped: " + report_.outcomes[failed].id.str() + " failed";
      if (options_.observer) options_.observer->finished(o);
      stack.insert(stack.end(), ops_[op].dependents.begin(), ops_[op].dependents.end());
    }
  }

  Outcome execute(size_t op) {
    const Change& c = plan_.changes[ops_[op].change];
    Step step = ops_[op].step;
    if (options_.observer) options_.observer->started(c.id, c.action, step);
    auto start = std::chrono::steady_clock::now();
    Outcome o;
    try {
      Provider& provider = datacenter_.providerFor(c.id.kind);
      Ownership owner{plan_.vdc, c.id, c.specHash, c.after};
      const LiveObject* object = live_.find(c.id);
      if (step == Step::Delete) {
        // Deleted outside vdc: what it left (its record, a machine's disks) goes. Already gone: nothing to do.
        // Its name on the target is the target's, never the plan's: a saved plan is no authority on it.
        if (object) provider.remove(plan_.vdc, *object);
        else if (live_.isMissing(c.id))
          provider.remove(plan_.vdc, LiveObject{c.id, live_.missing().at(c.id), "", Json::object(), c.before});
      } else if (step == Step::Release) {
        if (object) provider.release(plan_.vdc, *object, c.follows);
      } else if (c.action == Action::Update && object) {
        provider.update(owner, renames_.empty() ? *object : byNewNames(*object, renames_));
      } else if (c.action == Action::Rename) {
        rename(provider, c, owner);
      } else if (c.action == Action::Adopt) {
        owner.physical = c.adopt;
        provider.adopt(owner);
        // Then what the manifest says differently, as an update of what was there.
        if (!c.fields.empty()) provider.update(owner, LiveObject{c.id, c.adopt, "", c.before, Json::object()});
      } else {
        provider.create(owner);
      }
      o.status = Status::Done;
    } catch (const std::exception& e) {
      o.status = Status::Failed;
      o.error = e.what();
      o.transient = mayPassAsIs(e);
    } catch (...) {
      o.status = Status::Failed;
      o.error = "unknown error";
      o.transient = true;
    }
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return o;
  }

  // The object of the old name becomes the resource, then takes what the
  // manifest says differently. Its name on the target is the target's, never
  // the plan's.
  void rename(Provider& provider, const Change& c, const Ownership& owner) {
    ResourceId old{c.id.kind, c.renamedFrom};
    const LiveObject* object = live_.find(old);
    if (!object) throw Error(c.id.str() + ": " + old.str() + ", which it is renamed from, is not on the target");
    provider.rename(plan_.vdc, *object, c.id);
    // Its record too, where only the names it refers to changed.
    if (!c.fields.empty() || object->specHash != c.specHash)
      provider.update(owner, LiveObject{c.id, object->physicalName, "", c.before, Json::object()});
  }

  const Plan& plan_;
  Datacenter& datacenter_;
  const LiveState& live_;
  const ApplyOptions& options_;
  Renames renames_;
  std::vector<Operation> ops_;
  ApplyReport report_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<size_t> ready_;
  size_t inFlight_ = 0;
  std::map<std::string, int> busy_;  // operations in flight per bound
  std::string leaseLost_;
};

}  // namespace

bool releasesFirst(const Change& c) { return c.action == Action::Update && !c.follows.empty(); }

std::string_view stepName(Step step) {
  switch (step) {
    case Step::Delete: return "delete";
    case Step::Release: return "release";
    case Step::Make: return "make";
  }
  return "?";
}

size_t operationCount(const Plan& plan) {
  size_t n = 0;
  for (const auto& c : plan.changes) n += 1 + (c.action == Action::Replace || releasesFirst(c));
  return n;
}

std::string describeOutcome(const Outcome& o) {
  static const char* past[] = {"created", "updated", "replaced", "deleted", "adopted", "renamed"};
  static_assert(std::size(past) == std::size(kActions));
  switch (o.status) {
    case Status::Done:
      if (o.step == Step::Release) return "let go of what is replaced";
      if (o.action == Action::Replace) return o.step == Step::Delete ? "removed (replace)" : "created (replace)";
      return past[static_cast<int>(o.action)];
    case Status::Failed: return "failed: " + o.error;
    case Status::Skipped: return o.error;
    case Status::NotStarted: return "not started (stopped early)";
  }
  return "?";
}

size_t ApplyReport::count(Status status) const {
  size_t n = 0;
  for (const auto& o : outcomes) n += o.status == status;
  return n;
}

bool ApplyReport::transient() const {
  if (ok()) return false;
  return std::none_of(outcomes.begin(), outcomes.end(),
                      [](const Outcome& o) { return o.status == Status::Failed && !o.transient; });
}

ApplyReport apply(const Plan& plan, Datacenter& datacenter, const LiveState& live, const ApplyOptions& options) {
  if (plan.changes.empty()) return {};
  if (options.atomic) return applyAtomically(plan, datacenter, live, options);
  std::map<Provider*, ApplyIntent> intents;
  HostFileRule files = options.files;
  files.directory = plan.directory;
  for (Provider* provider : datacenter.providers()) intents[provider].files = files;
  // A rename's object is there: it is recorded anew by the rename itself.
  for (const auto& c : plan.changes)
    if (c.action != Action::Delete && c.action != Action::Rename)
      intents[&datacenter.providerFor(c.id.kind)].intended.push_back(
          {plan.vdc, c.id, c.specHash, c.after, c.action == Action::Adopt ? c.adopt : ""});
  for (auto& [provider, intent] : intents) {
    intent.contents = options.contents;
    intent.shutdownTimeout = options.shutdownTimeout;
    intent.vdc = plan.vdc;
    if (options.lease) intent.fence = options.lease->token();
  }
  // The operations are ordered (a cycle refused) before anything is written.
  Walk walk(plan, datacenter, live, options);
  // A writer that lost its lease before it began writes nothing at all.
  if (options.lease) options.lease->check();
  for (auto& [provider, intent] : intents) provider->prepare(intent);
  ApplyReport report = walk.run();
  for (Provider* provider : datacenter.providers()) provider->finish();
  return report;
}

}  // namespace vdc
