// Executes a Plan on a Datacenter: a parallel walk of the operation graph,
// at most `parallelism` operations at once and within the datacenter's
// limits per host and pool (engine/limits.h). Creates wait for what they
// need, deletes go before what they needed, a failure skips its dependents
// while independent work goes on.
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "engine/live.h"
#include "engine/plan.h"
#include "engine/provider.h"
#include "engine/rename.h"

namespace vdc {

// A replace is a Delete then a Make. An update that follows a replace
// (engine/follow.h) is a Release, before the replaced object goes, then a Make.
enum class Step { Delete, Release, Make };

std::string_view stepName(Step step);  // "delete", "release", "make"

enum class Status { Done, Failed, Skipped, NotStarted };

struct Outcome {
  ResourceId id;
  Action action = Action::Create;
  Step step = Step::Make;
  Status status = Status::NotStarted;
  std::string error;      // Failed: why; Skipped: which failure
  // Failed for a reason that may pass as it is (mayPassAsIs, base/error.h).
  bool transient = false;
  double seconds = 0;
};

std::string describeOutcome(const Outcome& outcome);  // "created", "failed: ...", ...

// An update that follows a replace lets go of it first (engine/follow.h): a
// Release step before its Make.
bool releasesFirst(const Change& change);

// How many operations `plan` is: a replace is two, so is an update that follows one.
size_t operationCount(const Plan& plan);

class ApplyObserver {
 public:
  virtual ~ApplyObserver() = default;
  // Before the first operation: how many there will be (operationCount).
  virtual void begun(size_t /*operations*/) {}
  virtual void started(const ResourceId&, Action, Step) {}
  virtual void finished(const Outcome&) {}
  // An atomic apply failed: this many operations undo it (engine/atomic.h).
  virtual void rollingBack(size_t /*operations*/) {}
};

struct ApplyOptions {
  int parallelism = 10;
  // Set from a signal handler: in-flight operations finish, nothing new starts.
  const std::atomic<bool>* interrupted = nullptr;
  ApplyObserver* observer = nullptr;
  // Files that fill Images and Volumes as they are made (ApplyIntent::contents).
  CarriedDisks contents;
  // Which host files the manifests may name (ApplyIntent::files); its
  // directory is the plan's.
  HostFileRule files;
  std::optional<std::chrono::seconds> shutdownTimeout;  // ApplyIntent::shutdownTimeout
  // The writer's lease on the VDC: checked before each operation (the walk
  // stops once it is lost), its token given to the providers (ApplyIntent::fence).
  const Lease* lease = nullptr;
  // All or nothing (engine/atomic.h): deletes and replacements last, and a
  // failure undoes what was done.
  bool atomic = false;
  bool allowIrreversible = false;  // atomic: take a plan with changes no undo gives back
  // The renames an earlier part of the same apply carried out (the first
  // phase of an atomic one): what the plan refers to by their new names.
  Renames renamedBefore;
};

struct ApplyReport {
  std::vector<Outcome> outcomes;  // one per operation, in plan order
  bool interrupted = false;
  std::string leaseLost;  // why the walk stopped early: the lease was lost
  // An atomic apply that failed (engine/atomic.h): the operations that
  // undid it, and whether all of them were done, so that the target is as
  // it was before the apply.
  std::vector<Outcome> rollback;
  bool rolledBack = false;
  size_t count(Status status) const;
  bool ok() const { return count(Status::Done) == outcomes.size(); }
  // Not ok, but trying again as it is may pass: every operation that failed
  // failed transiently, or the walk stopped early (interrupted, lease lost).
  bool transient() const;
};

// Throws Error only when a provider cannot finish its bookkeeping, or an
// atomic apply is refused before it begins; failures of single operations
// are in the report.
ApplyReport apply(const Plan& plan, Datacenter& datacenter, const LiveState& live, const ApplyOptions& options);

}  // namespace vdc
