#include "operations/planning.h"

#include <chrono>
#include <set>

#include <spdlog/spdlog.h>

#include "engine/addresses.h"
#include "engine/diff.h"
#include "engine/hash.h"
#include "engine/placement.h"
#include "operations/session.h"
#include "providers/targets/target.h"

namespace vdc::operations {

namespace {

// Networks of two VDCs on one target on the same addresses: legal (each is
// its own bridge), but a route between them would be ambiguous.
void warnOfOverlaps(const Vdc& desired, const LiveState& live, std::vector<std::string>& warnings) {
  for (const auto& r : desired.resources) {
    if (r.id.kind != Kind::Network) continue;
    auto mine = Cidr::parse(r.spec.value("cidr", ""));
    if (!mine) continue;
    for (const auto& other : live.neighbours())
      if (auto theirs = Cidr::parse(other.cidr); theirs && (mine->contains(theirs->base) || theirs->contains(mine->base)))
        warnings.push_back(r.where.str() + ": network " + r.id.name + " (" + mine->str() + ") overlaps network " +
                           other.name + " (" + theirs->str() + ") of VDC " + other.vdc + " on this target");
  }
}

// A rename whose old name the target does not hold (mistyped, or its object
// deleted outside vdc) renames nothing: the resource is made anew. On a
// target new to the VDC (a laptop, an import) there was never anything to rename.
void warnOfRenamesOfNothing(const Vdc& desired, const LiveState& live, std::vector<std::string>& warnings) {
  if (!live.find({Kind::VirtualDataCenter, desired.name})) return;
  for (const auto& r : desired.resources) {
    ResourceId old{r.id.kind, r.renamedFrom};
    if (!r.renamedFrom.empty() && !live.find(r.id) && !live.find(old))
      warnings.push_back(r.where.str() + ": " + r.id.str() + " is renamed from " + r.renamedFrom + " (" +
                         kRenamedFromAnnotation + "), which the target does not hold: it is made anew");
  }
}

}  // namespace

void keepRecordedRevision(Vdc& desired, const LiveState& live) {
  const LiveObject* record = live.find({Kind::VirtualDataCenter, desired.name});
  if (!record || !record->recorded.contains(kRevisionField)) return;
  for (auto& r : desired.resources)
    if (r.id.kind == Kind::VirtualDataCenter && !r.spec.contains(kRevisionField)) {
      r.spec[kRevisionField] = record->recorded[kRevisionField];
      r.specHash = canonicalHash(r.spec);
    }
}

std::string recordedRevision(const LiveState& live, const std::string& vdc) {
  const LiveObject* record = live.find({Kind::VirtualDataCenter, vdc});
  return record ? record->recorded.value(kRevisionField, "") : "";
}

Planning makePlan(Vdc& desired, const LiveState& live, Datacenter& datacenter, bool destroy, HostFileRule files,
                  const std::set<ResourceId>& replace) {
  auto start = std::chrono::steady_clock::now();
  Planning planning;
  if (!destroy) {
    files.directory = desired.directory;
    checkHostFiles(desired, files, planning.problems);
    datacenter.checkFits(desired, planning.problems);
    planPlacement(desired, live, datacenter.hosts(), planning.problems);
    planAddresses(desired, live, planning.problems);
    keepRecordedRevision(desired, live);
  }
  planning.plan = diff(desired, live, datacenter.describe(), destroy, planning.problems, replace);
  if (!destroy) {
    warnOfOverlaps(desired, live, planning.warnings);
    warnOfRenamesOfNothing(desired, live, planning.warnings);
  }
  spdlog::debug("compared in {:.0f} ms", millisecondsSince(start));
  return planning;
}

HostFileRule hostFileRule(const Vdc& vdc, const std::optional<std::string>& targetFile, bool confined) {
  return hostFileRule(vdc.directory, targetFile, confined);
}

HostFileRule hostFileRule(const std::string& directory, const std::optional<std::string>& targetFile, bool confined) {
  HostFileRule rule{directory, confined, {}};
  if (confined && targetFile) rule.allowed = readTarget(*targetFile).allowedPaths;
  return rule;
}

Prepared prepare(const PlanRequest& request) {
  if (request.destroy && !request.replace.empty())
    throw Failure(FailureKind::Invalid, "--replace makes an object anew, which a destroy does not");
  Prepared prepared;
  prepared.vdc = load(request.directory);
  Vdc& vdc = *prepared.vdc;
  prepared.datacenter = openTarget(request.target);
  if (!request.lockPurpose.empty()) prepared.lease = lockVdc(*prepared.datacenter, vdc.name, request.lockPurpose);
  prepared.live = readLive(*prepared.datacenter, vdc.name);
  // What addresses may name: the manifests' resources and the target's. Only
  // a plan given some builds the set, which for 100k resources costs time.
  std::set<ResourceId> known;
  if (!request.replace.empty() || !request.filter.empty()) {
    for (const auto& r : vdc.resources) known.insert(r.id);
    for (const auto& [id, object] : prepared.live.objects()) known.insert(id);
    for (const auto& [id, physical] : prepared.live.missing()) known.insert(id);
  }
  std::set<ResourceId> replace;
  try {
    for (const auto& text : request.replace)
      for (auto& id : resolveAddress("--replace", text, known)) replace.insert(std::move(id));
  } catch (const Error& e) {
    throw Failure(FailureKind::Invalid, e.message());
  }
  prepared.files = hostFileRule(vdc, request.target, request.confined);
  Planning planning = makePlan(vdc, prepared.live, *prepared.datacenter, request.destroy, prepared.files, replace);
  // A reader changed nothing and need not say so.
  if (!planning.problems.empty())
    throw Failure(FailureKind::Refused, std::move(planning.problems),
                  request.lockPurpose.empty() ? "" : "nothing was changed.");
  prepared.plan = std::move(planning.plan);
  if (!request.filter.empty()) {
    try {
      filterPlan(prepared.plan, request.filter, known);
    } catch (const Error& e) {
      throw Failure(FailureKind::Invalid, e.message());
    }
  }
  prepared.warnings = std::move(planning.warnings);
  return prepared;
}

Prepared prepareSaved(const std::string& planFile, const std::optional<std::string>& target,
                      const std::string& lockPurpose, bool confined) {
  Prepared prepared;
  prepared.plan = Plan::load(planFile);
  prepared.files = hostFileRule(prepared.plan.directory, target, confined);
  prepared.datacenter = openTarget(target);
  Datacenter& datacenter = *prepared.datacenter;
  if (prepared.plan.target != datacenter.describe())
    throw Failure(FailureKind::Invalid, "the plan was made for " + prepared.plan.target + ", not " + datacenter.describe());
  prepared.lease = lockVdc(datacenter, prepared.plan.vdc, lockPurpose);
  prepared.live = readLive(datacenter, prepared.plan.vdc);
  if (prepared.live.fingerprint() != prepared.plan.liveFingerprint)
    throw Failure(FailureKind::Stale, "the saved plan " + planFile + " is stale: " + datacenter.describe() +
                                          " changed since it was made. Run vdc plan again; nothing was changed.");
  return prepared;
}

}  // namespace vdc::operations
