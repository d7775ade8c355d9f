#include "operations/export.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bundle/bundle.h"
#include "bundle/writer.h"
#include "engine/adoption.h"
#include "engine/loader.h"
#include "engine/units.h"
#include "engine/version.h"
#include "engine/kinds/kind_rules.h"
#include "operations/planning.h"
#include "operations/session.h"
#include "providers/targets/target.h"

namespace vdc::operations {

namespace fs = std::filesystem;

namespace {

std::string readWhole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in) throw Error("cannot read " + file.string());
  return buffer.str();
}

}  // namespace

Exported exportBundle(const ExportRequest& request, DiskObserver& observer) {
  Vdc vdc = load(request.directory);
  DatacenterPtr datacenter = openTarget(request.target);
  LiveState live = readLive(*datacenter, vdc.name);
  Planning planning = makePlan(vdc, live, *datacenter, false);
  Exported exported{vdc.name, datacenter->describe(), 0, 0, 0, std::nullopt};
  if (!planning.problems.empty() || !planning.plan.empty()) exported.differs = planning.plan.summary();

  bundle::Descriptor descriptor;
  descriptor.vdcVersion = kVersion;
  descriptor.vdc = vdc.name;
  descriptor.sourceTarget = request.target ? readTarget(*request.target).name : "embedded";
  descriptor.createdAt = utcNow();
  for (const auto& r : vdc.resources) {
    descriptor.resources.push_back(r.id.str());
    if (!carriesDisk(r.id.kind)) continue;
    if (const LiveObject* object = live.find(r.id))
      if (auto contents = datacenter->diskContents(vdc.name, *object))
        descriptor.disks.push_back({r.id, contents->format, contents->size});
  }

  bundle::BundleWriter writer(request.output);
  writer.add(bundle::kDescriptorMember, descriptor.toJson().dump(2) + "\n");
  Diagnostics unreadable;
  auto files = manifestFiles(vdc.directory, unreadable);
  if (!unreadable.empty()) throw Error(unreadable.str());
  for (const auto& file : files)
    writer.add(bundle::kManifestsDir + fs::relative(file, vdc.directory).generic_string(), readWhole(file));
  for (const auto& disk : descriptor.disks) {
    observer.started("exporting " + disk.id.str(), disk.size);
    writer.add(disk.member(), disk.size, [&](const bundle::BundleWriter::Take& take) {
      datacenter->readDisk(vdc.name, *live.find(disk.id), [&](const char* bytes, size_t n) {
        take(bytes, n);
        observer.carried(n);
      });
    });
    observer.finished();
    exported.bytes += disk.size;
  }
  writer.finish();
  exported.manifestFiles = files.size();
  exported.disks = descriptor.disks.size();
  return exported;
}

AdoptionExported exportAdoption(const AdoptionRequest& request) {
  fs::path into = request.output;
  std::error_code ignored;
  if (fs::exists(into, ignored) && !(fs::is_directory(into, ignored) && fs::is_empty(into, ignored)))
    throw Failure(FailureKind::Invalid, into.string() + " exists and is not an empty directory");
  std::string name = request.name.value_or(resourceNameFor(fs::absolute(into).lexically_normal().filename().string()));
  if (!isDnsLabel(name)) throw Failure(FailureKind::Invalid, "'" + name + "' is not a VDC name (a DNS label): pass --name");
  DatacenterPtr datacenter = openTarget(request.target);
  LiveState live = readLive(*datacenter, name);
  AdoptionManifests manifests = adoptionManifests(name, "adopted from " + datacenter->describe(), live);
  fs::create_directories(into);
  for (const auto& [file, text] : manifests.files) {
    std::ofstream out(into / file, std::ios::trunc);
    out << text;
    if (!out.flush()) throw Error("cannot write " + (into / file).string());
  }
  return {name, datacenter->describe(), live.unowned().size() - manifests.skipped.size(), manifests.skipped};
}

}  // namespace vdc::operations
