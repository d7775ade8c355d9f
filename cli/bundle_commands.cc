// vdc export and vdc import: a whole VDC, manifests and disks, carried in a
// bundle (bundle/bundle.h) from one datacenter to another.
#include <fcntl.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bundle/reader.h"
#include "bundle/sparse_file.h"
#include "bundle/writer.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "engine/loader.h"
#include "engine/render.h"
#include "engine/units.h"
#include "providers/scratch.h"
#include "providers/target.h"

namespace vdc::cli {

namespace {

namespace fs = std::filesystem;

std::string readWhole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in) throw Error("cannot read " + file.string());
  return buffer.str();
}

}  // namespace

int exportCommand(const ExportOptions& options) {
  if (options.fromLive) return exportFromLive(options);
  auto opened = openVdcOrReport(options);
  if (!opened) return 1;
  Vdc& vdc = opened->vdc;
  Datacenter& datacenter = *opened->datacenter;
  try {
    LiveState live = readLive(datacenter, vdc.name);
    Diagnostics problems;
    Plan plan = makePlan(vdc, live, datacenter, false, problems);
    if (!problems.empty() || !plan.empty())
      std::cerr << "warning: " << datacenter.describe() << " differs from the manifests ("
                << renderSummary(plan.summary()) << "): the bundle carries the manifests, and the disks as they are\n";

    bundle::Descriptor descriptor;
    descriptor.vdcVersion = kVdcVersion;
    descriptor.vdc = vdc.name;
    descriptor.sourceTarget = options.target ? readTarget(*options.target).name : "embedded";
    descriptor.createdAt = utcNow();
    for (const auto& r : vdc.resources) {
      descriptor.resources.push_back(r.id.str());
      if (r.id.kind != Kind::Image && r.id.kind != Kind::Volume && r.id.kind != Kind::Instance) continue;
      if (const LiveObject* object = live.find(r.id))
        if (auto contents = datacenter.diskContents(vdc.name, *object))
          descriptor.disks.push_back({r.id, contents->format, contents->size});
    }

    bundle::BundleWriter writer(options.output);
    writer.add(bundle::kDescriptorMember, descriptor.toJson().dump(2) + "\n");
    Diagnostics unreadable;
    auto files = manifestFiles(vdc.directory, unreadable);
    if (!unreadable.empty()) throw Error(unreadable.str());
    for (const auto& file : files)
      writer.add(bundle::kManifestsDir + fs::relative(file, vdc.directory).generic_string(), readWhole(file));
    uint64_t bytes = 0;
    for (const auto& disk : descriptor.disks) {
      ByteProgress progress("exporting " + disk.id.str(), disk.size);
      writer.add(disk.member(), disk.size, [&](const bundle::BundleWriter::Take& take) {
        datacenter.readDisk(vdc.name, *live.find(disk.id), [&](const char* bytes, size_t n) {
          take(bytes, n);
          progress.add(n);
        });
      });
      bytes += disk.size;
    }
    writer.finish();
    std::cout << "Exported VDC " << vdc.name << " from " << datacenter.describe() << " to " << options.output << ": "
              << files.size() << " manifest files, " << descriptor.disks.size() << " disks (" << formatSize(bytes)
              << ").\n";
    return 0;
  } catch (const Error& e) {
    reportError(e.what());
    return 1;
  }
}

// Everything is checked before anything is made: the bundle whole, then
// the manifests (as `vdc validate` would), then the plan on the target
// (placement, capacity, addresses). Only then are disks and resources made.
int importCommand(const ImportOptions& options) {
  std::optional<fs::path> into;
  bool unpacked = false, applying = false;
  try {
    bundle::Contents contents = bundle::verifyBundle(options.bundle);
    into = fs::absolute(options.into.value_or(contents.descriptor.vdc));
    if (fs::exists(*into)) throw Error("cannot import into " + into->string() + ": it exists");
    CommonOptions common{into->string(), options.target};
    DatacenterPtr datacenter = openOrReport(common);
    if (!datacenter) return 1;

    ScratchDirectory disks("import");
    std::map<ResourceId, std::string> files;
    bundle::unpackBundle(options.bundle, contents, into->string(),
                         [&](const bundle::Disk& disk, const bundle::BundleWriter::Source& read) {
                           fs::path file = disks.path() / (std::string(kindName(disk.id.kind)) + "-" + disk.id.name);
                           bundle::FileDescriptor out(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
                           if (out.get() < 0) throw Error("cannot write " + file.string());
                           bundle::HoleWriter holes(out.get());  // a sparse disk stays sparse here too
                           ByteProgress progress("unpacking " + disk.id.str(), disk.size);
                           std::vector<char> chunk(1 << 20);
                           for (size_t n; (n = read(chunk.data(), chunk.size())) > 0;) {
                             holes.write({chunk.data(), n});
                             progress.add(n);
                           }
                           holes.finish();
                           files[disk.id] = file.string();
                         });
    unpacked = true;
    auto vdc = loadOrReport(into->string());
    if (!vdc) throw Error("the bundle's manifests do not validate");
    if (vdc->name != contents.descriptor.vdc)
      throw Error("the bundle's manifests are of VDC " + vdc->name + ", its descriptor says " + contents.descriptor.vdc);
    auto lock = lockOrReport(*datacenter, vdc->name, "vdc import");
    if (!lock) throw Error("nothing was imported");
    LiveState live = readLive(*datacenter, vdc->name);
    Diagnostics problems;
    Plan plan = makePlan(*vdc, live, *datacenter, false, problems);
    if (!problems.empty()) throw Error(datacenter->describe() + " cannot take VDC " + vdc->name + ":\n" + problems.str());
    std::cout << renderPlan(plan) << std::flush;
    if (!plan.empty() && !options.autoApprove &&
        !confirm("Import VDC " + vdc->name + " into " + datacenter->describe() + "?"))
      return 1;
    std::cerr << "Unpacked " << contents.manifests.size() << " manifest files into " << into->string() << ".\n";
    applying = true;
    return plan.empty() ? 0 : execute(plan, *datacenter, live, options.parallelism, files);
  } catch (const Error& e) {
    if (applying) {
      reportError(std::string(e.what()) + "\nthe import stopped part way; vdc apply " + into->string() +
                  " converges from here.");
      return 1;
    }
    // Refused before the target was touched: the directory made for it goes too.
    if (unpacked && into) fs::remove_all(*into);
    reportError(std::string(e.what()) + "\nnothing was imported.");
    return 1;
  }
}

}  // namespace vdc::cli
