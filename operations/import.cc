#include "operations/import.h"

#include <fcntl.h>

#include <filesystem>
#include <map>

#include "bundle/reader.h"
#include "bundle/sparse_file.h"
#include "base/safe_file.h"
#include "operations/applying.h"
#include "operations/planning.h"
#include "operations/session.h"
#include "providers/libvirt/api/qcow2.h"
#include "base/scratch_directory.h"

namespace vdc::operations {

namespace fs = std::filesystem;

namespace {

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

// Writes one carried disk into `file`, holes kept as holes.
void unpackDisk(const fs::path& file, const bundle::Disk& disk, const bundle::BundleWriter::Source& read,
                DiskObserver& observer) {
  FileDescriptor out(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (out.get() < 0) throw Error("cannot write " + file.string());
  bundle::HoleWriter holes(out.get());
  observer.started("unpacking " + disk.id.str(), disk.size);
  std::vector<char> chunk(1 << 20);
  for (size_t n; (n = read(chunk.data(), chunk.size())) > 0;) {
    holes.write({chunk.data(), n});
    observer.carried(n);
  }
  holes.finish();
  observer.finished();
}

// "VDC shop already lives on T: 3 resources (1 Network, 2 Instances)...".
std::string alreadyLives(const std::string& vdc, const LiveState& live, const std::string& target) {
  std::map<std::string, size_t> kinds;
  for (const auto& [id, object] : live.objects()) ++kinds[std::string(kindName(id.kind))];
  std::string held;
  for (const auto& [kind, count] : kinds)
    held += (held.empty() ? "" : ", ") + std::to_string(count) + " " + kind + (count > 1 ? "s" : "");
  return "VDC " + vdc + " already lives on " + target + ": it holds " + std::to_string(live.objects().size()) +
         " resources (" + held + "). An import makes a VDC; to turn this one into the bundle's, updating and "
         "deleting what differs, say so with --onto-existing (the plan shows every change first)";
}

}  // namespace

Imported importBundle(const ImportRequest& request, DiskObserver& observer, const ImportApproval& approve) {
  std::optional<fs::path> into;
  bool unpacked = false, applying = false;
  Imported imported;
  try {
    DatacenterPtr datacenter;
    // The target is opened once the descriptor is known to be sound: its
    // free space bounds what the disks may declare.
    bundle::Contents contents = bundle::verifyBundle(request.bundle, [&] {
      datacenter = openTarget(request.target);
      bundle::DiskRoom room;
      if (auto free = datacenter->freeStorage()) room = {*free, datacenter->describe()};
      return room;
    }, request.apply.interrupted);
    into = importDirectory(request.into, contents.descriptor.vdc);
    if (!datacenter) datacenter = openTarget(request.target);

    ScratchDirectory disks("import");
    CarriedDisks files;
    bundle::unpackBundle(request.bundle, contents, into->string(),
                         [&](const bundle::Disk& disk, const bundle::BundleWriter::Source& read) {
                           fs::path file = disks.path() / (std::string(kindName(disk.id.kind)) + "-" + disk.id.name);
                           unpackDisk(file, disk, read, observer);
                           files[disk.id] = {file.string(), disk.format};
                         }, request.apply.interrupted);
    // A carried qcow2 header is checked before anything is made from it.
    for (const auto& [id, disk] : files)
      if (disk.format == "qcow2") {
        try {
          libvirt::checkQcow2Header(disk.file);
        } catch (const Error& e) {
          throw Error("bundle " + request.bundle + ": disk " + id.str() + ": " + e.message());
        }
      }
    unpacked = true;
    Vdc vdc = load(into->string());
    if (vdc.name != contents.descriptor.vdc)
      throw Error("the bundle's manifests are of VDC " + vdc.name + ", its descriptor says " + contents.descriptor.vdc);
    Prepared prepared;
    prepared.lease = lockVdc(*datacenter, vdc.name, "vdc import");
    prepared.live = readLive(*datacenter, vdc.name);
    imported.existing = prepared.live.objects().size();
    if (imported.existing && !request.ontoExisting)
      throw Error(alreadyLives(vdc.name, prepared.live, datacenter->describe()));
    // A bundle's manifests name host files only inside the bundle's directory.
    prepared.files = hostFileRule(vdc, request.target, true);
    for (const auto& [id, disk] : files) prepared.files.carried.insert(id);
    Planning planning = makePlan(vdc, prepared.live, *datacenter, false, prepared.files);
    if (!planning.problems.empty())
      throw Error(datacenter->describe() + " cannot take VDC " + vdc.name + ":\n" + planning.problems.str());
    imported.vdc = vdc.name;
    imported.directory = into->string();
    imported.manifestFiles = contents.manifests.size();
    imported.target = datacenter->describe();
    imported.plan = std::move(planning.plan);
    if (!approve(imported)) return imported;
    imported.approved = true;
    if (imported.plan.empty()) return imported;
    applying = true;
    ApplyOptions options = applyOptions(prepared, request.apply);
    options.contents = std::move(files);
    imported.report = execute(imported.plan, *datacenter, prepared.live, options);
    return imported;
  } catch (const Failure& e) {
    if (applying) throw;
    if (unpacked && into) fs::remove_all(*into);
    if (e.problems().empty()) throw Failure(e.kind(), std::string(e.what()) + "\nnothing was imported.");
    throw Failure(e.kind(), e.problems(), e.problems().count() + " in the bundle's manifests; nothing was imported.");
  } catch (const Error& e) {
    if (applying)
      throw Error(std::string(e.what()) + "\nthe import stopped part way; vdc apply " + into->string() +
                  " converges from here.");
    // Refused before the target was touched: the directory made for it goes too.
    if (unpacked && into) fs::remove_all(*into);
    throw Error(std::string(e.what()) + "\nnothing was imported.");
  }
}

}  // namespace vdc::operations
