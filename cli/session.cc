#include "cli/session.h"

#include <unistd.h>

#include <chrono>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "engine/addresses.h"
#include "engine/diff.h"
#include "engine/hash.h"
#include "engine/loader.h"
#include "engine/placement.h"
#include "engine/text.h"
#include "engine/units.h"
#include "providers/target.h"

namespace vdc::cli {

void reportError(const std::string& message) { std::cerr << "error: " << message << "\n"; }

void setUpLogging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("vdc");
  logger->set_pattern("%^%l%$ %H:%M:%S.%e %v");
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

LiveState readLive(Datacenter& datacenter, const std::string& vdc) {
  auto start = std::chrono::steady_clock::now();
  LiveState live = datacenter.read(vdc);
  spdlog::debug("read {} objects of VDC {} from {} in {:.0f} ms", live.objects().size(), vdc, datacenter.describe(),
                millisecondsSince(start));
  return live;
}

namespace {

void keepRecordedRevision(Vdc& desired, const LiveState& live) {
  const LiveObject* record = live.find({Kind::VirtualDataCenter, desired.name});
  if (!record || !record->recorded.contains(kRevisionField)) return;
  for (auto& r : desired.resources)
    if (r.id.kind == Kind::VirtualDataCenter && !r.spec.contains(kRevisionField)) {
      r.spec[kRevisionField] = record->recorded[kRevisionField];
      r.specHash = canonicalHash(r.spec);
    }
}

}  // namespace

// Networks of two VDCs on one target on the same addresses: legal (each is
// its own bridge), but a route between them would be ambiguous.
static void warnOfOverlaps(const Vdc& desired, const LiveState& live) {
  for (const auto& r : desired.resources) {
    if (r.id.kind != Kind::Network) continue;
    auto mine = Cidr::parse(r.spec.value("cidr", ""));
    if (!mine) continue;
    for (const auto& other : live.neighbours())
      if (auto theirs = Cidr::parse(other.cidr); theirs && (mine->contains(theirs->base) || theirs->contains(mine->base)))
        std::cerr << printableMessage("warning: " + r.where.str() + ": network " + r.id.name + " (" + mine->str() +
                                      ") overlaps network " + other.name + " (" + theirs->str() + ") of VDC " +
                                      other.vdc + " on this target")
                  << "\n";
  }
}

Plan makePlan(Vdc& desired, const LiveState& live, Datacenter& datacenter, bool destroy,
              Diagnostics& problems, HostFileRule files) {
  auto start = std::chrono::steady_clock::now();
  if (!destroy) {
    files.directory = desired.directory;
    checkHostFiles(desired, files, problems);
    datacenter.checkFits(desired, problems);
    planPlacement(desired, live, datacenter.hosts(), problems);
    planAddresses(desired, live, problems);
    keepRecordedRevision(desired, live);
  }
  Plan plan = diff(desired, live, datacenter.describe(), destroy, problems);
  if (!destroy) warnOfOverlaps(desired, live);
  spdlog::debug("compared in {:.0f} ms", millisecondsSince(start));
  return plan;
}

HostFileRule hostFileRule(const Vdc& vdc, const std::optional<std::string>& targetFile, bool confined) {
  HostFileRule rule{vdc.directory, confined, {}};
  if (confined && targetFile) rule.allowed = readTarget(*targetFile).allowedPaths;
  return rule;
}

std::optional<Vdc> loadOrReport(const std::string& directory) {
  auto start = std::chrono::steady_clock::now();
  Diagnostics diags;
  Vdc vdc = loadVdc(directory, diags);
  spdlog::debug("loaded {} resources from {} in {:.0f} ms", vdc.resources.size(), directory, millisecondsSince(start));
  if (diags.empty()) return vdc;
  std::cerr << diags.str();
  std::cerr << diags.size() << (diags.size() == 1 ? " error" : " errors") << "; nothing was changed.\n";
  return std::nullopt;
}

DatacenterPtr openOrReport(const CommonOptions& options) {
  try {
    return openTarget(options.target);
  } catch (const Error& e) {
    reportError(e.what());
    return nullptr;
  }
}

std::optional<Opened> openVdcOrReport(const CommonOptions& options) {
  auto vdc = loadOrReport(options.directory);
  if (!vdc) return std::nullopt;
  auto datacenter = openOrReport(options);
  if (!datacenter) return std::nullopt;
  return Opened{std::move(*vdc), std::move(datacenter)};
}

std::optional<ApplyLock> lockOrReport(Datacenter& datacenter, const std::string& vdc, const std::string& purpose) {
  std::string holder;
  auto lock = ApplyLock::tryAcquire(datacenter.lockPath(vdc), purpose, holder);
  if (!lock)
    reportError("VDC " + vdc + " on " + datacenter.describe() + " is locked by " + holder +
                "; one apply at a time");
  return lock;
}

bool confirm(const std::string& question) {
  if (!isatty(STDIN_FILENO)) {
    reportError("not a terminal: pass --auto-approve to apply without confirmation");
    return false;
  }
  std::cerr << question << " Only 'yes' will be accepted: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "yes") return true;
  std::cerr << "Cancelled; nothing was changed.\n";
  return false;
}

}  // namespace vdc::cli
