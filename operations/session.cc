#include "operations/session.h"

#include <unistd.h>

#include <map>
#include <mutex>

#include <spdlog/spdlog.h>

#include "engine/loader.h"
#include "base/text.h"
#include "engine/units.h"
#include "providers/etcd/replicas.h"
#include "providers/targets/target.h"

namespace vdc::operations {

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

Vdc load(const std::string& directory) {
  auto start = std::chrono::steady_clock::now();
  Diagnostics problems;
  Vdc vdc = loadVdc(directory, problems);
  spdlog::debug("loaded {} resources from {} in {:.0f} ms", vdc.resources.size(), directory, millisecondsSince(start));
  if (!problems.empty()) {
    std::string count = problems.count();  // before problems is moved from
    throw Failure(FailureKind::Invalid, std::move(problems), count + "; nothing was changed.");
  }
  return vdc;
}

DatacenterPtr openTarget(const std::optional<std::string>& targetFile) { return vdc::openTarget(targetFile); }

LeasePtr lockVdc(Datacenter& datacenter, const std::string& vdc, const std::string& purpose) {
  if (!datacenter.locks) datacenter.locks = datacenter.ownLocks();
  auto start = std::chrono::steady_clock::now();
  std::string holder;
  LeasePtr lease = datacenter.locks->tryAcquire(vdc, purpose, holder);
  if (!lease)
    throw Failure(FailureKind::Locked,
                  "VDC " + vdc + " on " + datacenter.describe() + " is locked by " + holder + "; one apply at a time");
  spdlog::debug("took the lock of VDC {} (token {}) in {:.0f} ms", vdc, lease->token().str(), millisecondsSince(start));
  return lease;
}

std::shared_ptr<Replicas> joinReplicas(const std::optional<std::string>& targetFile, const std::string& name,
                                       const std::string& purpose) {
  if (!targetFile) return nullptr;
  TargetSpec target = readTarget(*targetFile);
  if (!target.etcd) return nullptr;
  if (!isDnsLabel(name))
    throw Failure(FailureKind::Invalid, "a replica's name is a DNS label (lower-case letters, digits and '-'), not '" +
                                            printable(name) + "'");
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<Replicas>> joined;
  std::string place = target.etcd->prefix + "\n" + name;
  for (const auto& endpoint : target.etcd->endpoints) place += "\n" + endpoint;
  std::lock_guard lock(mutex);
  if (auto existing = joined[place].lock()) return existing;
  auto replicas = std::make_shared<etcd::EtcdReplicas>(std::make_shared<etcd::Client>(*target.etcd),
                                                       target.lockLease, name, purpose);
  joined[place] = replicas;
  return replicas;
}

std::string hostName() {
  char host[256] = "replica";
  gethostname(host, sizeof host - 1);
  std::string name = host;
  name = lowerCase(name.substr(0, name.find('.')));  // the host, not its domain
  return isDnsLabel(name) ? name : "replica";
}

LiveState readLive(Datacenter& datacenter, const std::string& vdc) {
  auto start = std::chrono::steady_clock::now();
  LiveState live = datacenter.read(vdc);
  spdlog::debug("read {} objects of VDC {} from {} in {:.0f} ms", live.objects().size(), vdc, datacenter.describe(),
                millisecondsSince(start));
  return live;
}

}  // namespace vdc::operations
