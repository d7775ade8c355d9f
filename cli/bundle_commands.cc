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
#include "providers/libvirt/qcow2.h"
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

// Where an import unpacks: `--into`, or the VDC's name (a DNS label) in the
// working directory. A relative `--into` may not lead out of the working
// directory, by ".." or by a link on the way; an absolute one is the user's
// explicit choice. It must not exist yet, and its parent must.
fs::path importDirectory(const std::optional<std::string>& option, const std::string& vdc) {
  fs::path asked = option.value_or(vdc);
  fs::path into = fs::absolute(asked).lexically_normal();
  if (asked.is_relative()) {
    fs::path here = fs::weakly_canonical(fs::current_path());
    fs::path resolved = fs::weakly_canonical(into);
    auto inside = resolved.lexically_relative(here);
    if (inside.empty() || *inside.begin() == ".." || inside == ".")
      throw Error("cannot import into " + asked.string() + ": it leads out of the working directory (give an "
                  "absolute path to import elsewhere)");
  }
  if (fs::exists(fs::symlink_status(into))) throw Error("cannot import into " + into.string() + ": it exists");
  if (!fs::is_directory(into.parent_path()))
    throw Error("cannot import into " + into.string() + ": " + into.parent_path().string() + " is not a directory");
  return into;
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
    DatacenterPtr datacenter;
    // The target is opened once the descriptor is known to be sound: its
    // free space bounds what the disks may declare.
    bundle::Contents contents = bundle::verifyBundle(options.bundle, [&] {
      datacenter = openTarget(options.target);
      bundle::DiskRoom room;
      if (auto free = datacenter->freeStorage()) room = {*free, datacenter->describe()};
      return room;
    });
    into = importDirectory(options.into, contents.descriptor.vdc);
    if (!datacenter) datacenter = openTarget(options.target);

    ScratchDirectory disks("import");
    CarriedDisks files;
    bundle::unpackBundle(options.bundle, contents, into->string(),
                         [&](const bundle::Disk& disk, const bundle::BundleWriter::Source& read) {
                           fs::path file = disks.path() / (std::string(kindName(disk.id.kind)) + "-" + disk.id.name);
                           FileDescriptor out(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
                           if (out.get() < 0) throw Error("cannot write " + file.string());
                           bundle::HoleWriter holes(out.get());  // a sparse disk stays sparse here too
                           ByteProgress progress("unpacking " + disk.id.str(), disk.size);
                           std::vector<char> chunk(1 << 20);
                           for (size_t n; (n = read(chunk.data(), chunk.size())) > 0;) {
                             holes.write({chunk.data(), n});
                             progress.add(n);
                           }
                           holes.finish();
                           files[disk.id] = {file.string(), disk.format};
                         });
    // A carried qcow2 header is checked before anything is made from it.
    for (const auto& [id, disk] : files)
      if (disk.format == "qcow2") {
        try {
          libvirt::checkQcow2Header(disk.file);
        } catch (const Error& e) {
          throw Error("bundle " + options.bundle + ": disk " + id.str() + ": " + e.message());
        }
      }
    unpacked = true;
    auto vdc = loadOrReport(into->string());
    if (!vdc) throw Error("the bundle's manifests do not validate");
    if (vdc->name != contents.descriptor.vdc)
      throw Error("the bundle's manifests are of VDC " + vdc->name + ", its descriptor says " + contents.descriptor.vdc);
    auto lock = lockOrReport(*datacenter, vdc->name, "vdc import");
    if (!lock) throw Error("nothing was imported");
    LiveState live = readLive(*datacenter, vdc->name);
    Diagnostics problems;
    // A bundle's manifests name host files only inside the bundle's directory.
    HostFileRule hostFiles = hostFileRule(*vdc, options.target, true);
    for (const auto& [id, disk] : files) hostFiles.carried.insert(id);
    Plan plan = makePlan(*vdc, live, *datacenter, false, problems, hostFiles);
    if (!problems.empty()) throw Error(datacenter->describe() + " cannot take VDC " + vdc->name + ":\n" + problems.str());
    std::cout << renderPlan(plan) << std::flush;
    if (!plan.empty() && !options.autoApprove &&
        !confirm("Import VDC " + vdc->name + " into " + datacenter->describe() + "?"))
      return 1;
    std::cerr << "Unpacked " << contents.manifests.size() << " manifest files into " << into->string() << ".\n";
    applying = true;
    return plan.empty() ? 0 : execute(plan, *datacenter, live, options.parallelism, files, hostFiles);
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
