#include "providers/libvirt/storage.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "engine/kinds/image.h"
#include "engine/kinds/instance.h"
#include "engine/kinds/volume.h"
#include "base/scratch_directory.h"
#include "engine/units.h"
#include "providers/libvirt/api/qcow2.h"
#include "providers/libvirt/api/volume_stream.h"
#include "providers/libvirt/api/xml.h"
#include "providers/libvirt/image_import.h"
#include "providers/libvirt/ownership.h"
#include "providers/libvirt/unowned.h"
#include "support/download.h"

namespace vdc::libvirt {

std::string diskFormat(const std::string& probed) { return probed == "qcow2" ? "qcow2" : "raw"; }

namespace {

std::string volumeXml(const std::string& name, uint64_t capacity, const std::string& format,
                      const std::optional<LibvirtStorage::Volume>& backing) {
  // Sparse, as qcow2 volumes are: the pool is charged only for what is written.
  std::string xml = "<volume><name>" + xmlEscape(name) + "</name><capacity unit='bytes'>" +
                    std::to_string(capacity) +
                    "</capacity><allocation unit='bytes'>0</allocation><target><format type='" + format + "'/></target>";
  if (backing)
    xml += "<backingStore><path>" + xmlEscape(backing->path) + "</path><format type='" + xmlEscape(backing->format) +
           "'/></backingStore>";
  return xml + "</volume>";
}

// After a volume failed to fill: it goes, or the error says it is left.
void dropPartial(virStorageVolPtr volume, const std::string& physical, const std::exception& failure) {
  if (virStorageVolDelete(volume, 0) < 0) {
    Error left = libvirtError("delete");
    // A lost connection fails both: the failure stays as transient as it was.
    const auto* error = dynamic_cast<const Error*>(&failure);
    throw Error(std::string(failure.what()) + " (its partial volume " + physical + " could not be deleted: " +
                    left.message() + ")",
                error ? error->code() : left.code(), (error && error->transient()) || left.transient());
  }
}

// A host tells a file's format from its bytes: a qcow2 file said to be raw,
// or the reverse, would read back as the other format every time, and no
// plan would settle; qemu would read a raw disk with qcow2's magic as
// qcow2. An image is whole: a backing file or an external data file in its
// qcow2 header would have qemu read another file of the host. (A carried
// copy-on-write child names its backing file, pointed at its image here
// first: createFromContents.)
void checkImageFile(const std::string& source, const std::string& file, const std::string& format) {
  bool qcow2 = hasQcow2Magic(file);
  if (qcow2 != (format == "qcow2"))
    throw Error("image " + source + (qcow2 ? " is a qcow2 file" : " is not a qcow2 file") + ", but it is said to be " +
                format + ": say format: " + (qcow2 ? "qcow2" : "raw") + " (or qemu-img convert it)");
  if (!qcow2) return;
  checkQcow2Header(file);
  if (auto named = qcow2BackingFile(file))
    throw Error("image " + source + " names a backing file (" + *named + "): an image must be whole "
                "(qemu-img convert makes it so)");
}

}  // namespace

// The images' files are checked before anything is written: refused half-way,
// a replace would have deleted the image and the machines made of it first.
void LibvirtStorage::prepare(const ApplyIntent& intent) {
  files_ = intent.files;
  contents_ = intent.contents;
  for (const auto& owner : intent.intended)
    if (owner.id.kind == Kind::Image && !carried(owner.id))
      checkLocalImage(owner.spec.at("source").get<std::string>(), ImageSpec(owner.spec).format(), files_);
  records_.putDurably(intent.intended);
}

void checkLocalImage(const std::string& source, const std::string& format, const HostFileRule& files) {
  if (isHttpUrl(source)) return;  // checked once downloaded (importVolume)
  std::string file = imageFile(source, files);
  if (std::filesystem::exists(file)) checkImageFile(source, file, format);
}

std::string LibvirtStorage::storageClassOf(const Ownership& owner) const {
  return VolumeSpec(owner.spec).storageClass();
}

LibvirtStorage::Volume LibvirtStorage::volume(const std::string& storageClass, const std::string& physical) {
  PoolHandle pool = host_.pool(storageClass);
  VolumeHandle vol(virStorageVolLookupByName(pool.get(), physical.c_str()));
  if (!vol) throw libvirtError("cannot find volume " + physical);
  XmlDocument doc(takeString(virStorageVolGetXMLDesc(vol.get(), 0), "XML of volume " + physical), "volume XML");
  Volume found;
  found.path = takeString(virStorageVolGetPath(vol.get()), "path of volume " + physical);
  found.format = doc.text("target/format/@type").value_or("raw");
  found.backing = doc.text("backingStore/path").value_or("");
  auto capacity = doc.nodes("capacity");
  found.capacity = scaledBytes(capacity.empty() ? nullptr : capacity.front(), "bytes").value_or(0);
  return found;
}

std::optional<LibvirtStorage::Volume> LibvirtStorage::imageOf(const Ownership& owner) {
  if (!owner.spec.contains("image")) return std::nullopt;
  ResourceId image{Kind::Image, owner.spec["image"].get<std::string>()};
  Volume found = volume(kStandardStorageClass, volumeName(owner.vdc, image));
  // What the manifest says the image is, over what the pool guessed from its bytes.
  if (auto record = records_.find(owner.vdc, image)) found.format = record->spec.value("format", found.format);
  found.format = diskFormat(found.format);
  return found;
}

void LibvirtStorage::createChild(const std::string& storageClass, const std::string& physical, uint64_t capacity,
                                 const std::optional<Volume>& backing) {
  PoolHandle pool = host_.pool(storageClass);
  if (backing) capacity = std::max(capacity, backing->capacity);
  std::string xml = volumeXml(physical, capacity, "qcow2", backing);
  VolumeHandle vol(virStorageVolCreateXML(pool.get(), xml.c_str(), 0));
  if (!vol) throw libvirtError("cannot create volume " + physical);
}

// A raw copy (a container's root file system, from its raw image). On a
// host its bytes pass through vdc, a MiB at a time, rather than in one
// libvirt call: a stop ends the copy at its next MiB (engine/stop_request.h),
// and the volume begun is deleted. Holes travel as holes (sparse streams
// both ways), never as zeros through the connection.
void LibvirtStorage::createCopy(const std::string& storageClass, const std::string& physical, const Volume& source) {
  PoolHandle pool = host_.pool(storageClass);
  VolumeHandle original(virStorageVolLookupByPath(host_.connection(), source.path.c_str()));
  if (!original) throw libvirtError("cannot find volume " + source.path);
  std::string xml = volumeXml(physical, source.capacity, "raw", std::nullopt);
  if (host_.settings().testDriver) {  // the embedded datacenter's volumes hold no bytes
    VolumeHandle vol(virStorageVolCreateXMLFrom(pool.get(), xml.c_str(), original.get(), 0));
    if (!vol) throw libvirtError("cannot copy " + source.path + " to volume " + physical);
    return;
  }
  VolumeHandle vol(virStorageVolCreateXML(pool.get(), xml.c_str(), 0));
  if (!vol) throw libvirtError("cannot create volume " + physical);
  try {
    VolumeUpload upload(host_.connection(), vol.get(), source.capacity);
    downloadVolume(
        host_.connection(), original.get(), [&](const char* bytes, size_t size) { upload.send({bytes, size}); },
        [&](uint64_t hole) { upload.sendHole(hole); });
    upload.finish();
  } catch (const std::exception& e) {
    dropPartial(vol.get(), physical, e);
    throw;
  }
}

// The volume is created at the file's size, then filled from the file; an
// http(s) source is downloaded to a scratch file first. The embedded
// datacenter's volumes hold no data: there a local file is only checked,
// and a missing one (or a URL) makes an empty image, so that a VDC can be
// tried on a laptop before its images are at hand (docs/embedded-datacenter.md).
void LibvirtStorage::createImage(const Ownership& owner) {
  importVolume(kStandardStorageClass, volumeName(owner.vdc, owner.id), owner.spec.at("source").get<std::string>(),
               ImageSpec(owner.spec).format(), owner.spec.value("sha256", ""), files_);
}

// The bytes an import carries (a bundle's disk, already verified): the
// volume is made in the format they are in. A copy-on-write child names its
// backing file by a path of the host it came from: it is pointed at its
// image here first.
void LibvirtStorage::createFromContents(const Ownership& owner, const CarriedDisk& disk,
                                        const std::string& storageClass, const std::string& physical) {
  // A Volume and a virtual machine's root disk are attached as qcow2
  // (hypervisor.cc): carried as raw, qemu would still read them as qcow2,
  // header unchecked. Other disks keep the format declared (bundles.md).
  bool attachedAsQcow2 = owner.id.kind == Kind::Volume ||
                         (owner.id.kind == Kind::Instance && !InstanceSpec(owner.spec).container());
  if (attachedAsQcow2 && disk.format != "qcow2")
    throw Error(owner.id.str() + ": its carried disk is said to be " + disk.format +
                ", but vdc attaches it as qcow2; only a qcow2 disk is taken for it");
  if (disk.format == "qcow2") {
    checkQcow2Header(disk.file);
    if (qcow2BackingFile(disk.file)) {
      // Whatever host path it names, the only backing file it may have is its image here.
      auto image = imageOf(owner);
      if (!image) throw Error(owner.id.str() + " was carried as a copy-on-write child, but names no image");
      setQcow2BackingFile(disk.file, image->path);
    }
  }
  importVolume(storageClass, physical, disk.file, disk.format == "qcow2" ? "qcow2" : "raw", "", HostFileRule{},
               Backing::Checked);
}

const CarriedDisk* LibvirtStorage::carried(const ResourceId& id) const {
  auto found = contents_.find(id);
  return found == contents_.end() ? nullptr : &found->second;
}

void LibvirtStorage::importVolume(const std::string& storageClass, const std::string& physical,
                                  const std::string& source, const std::string& format, const std::string& sha256,
                                  const HostFileRule& files, Backing backing, Redirects redirects) {
  bool simulated = host_.settings().testDriver;
  std::optional<ScratchDirectory> scratch;
  std::string file;  // empty: nothing to read
  if (isHttpUrl(source) && !simulated) {
    scratch.emplace("image");
    file = (scratch->path() / "image").string();
    download(source, file, redirects);
  } else if (!isHttpUrl(source)) {
    file = imageFile(source, files);
  }
  if (backing == Backing::Refused && !file.empty() && std::filesystem::exists(file)) checkImageFile(source, file, format);
  uint64_t size = 0;
  if (!file.empty()) {
    std::error_code ec;
    uint64_t found = std::filesystem::file_size(file, ec);
    if (ec && !simulated) throw Error("cannot read image " + file + ": " + ec.message());
    if (ec) file.clear();
    else size = found;
  }
  PoolHandle pool = host_.pool(storageClass);
  std::string xml = volumeXml(physical, size, format, std::nullopt);
  VolumeHandle vol(virStorageVolCreateXML(pool.get(), xml.c_str(), 0));
  if (!vol) throw libvirtError("cannot create image volume " + physical);
  if (file.empty()) return;
  try {
    importImage(host_.connection(), simulated ? nullptr : vol.get(), file, sha256, scratch ? HostFileRule{} : files);
  } catch (const std::exception& e) {
    dropPartial(vol.get(), physical, e);  // never an image with the wrong contents
    throw;
  }
}

// An Instance's disk is its root disk (InstanceVolumes), in the standard pool.
VolumeHandle LibvirtStorage::volumeOf(const std::string& vdc, const LiveObject& disk) {
  bool root = disk.id.kind == Kind::Instance;
  std::string storageClass = disk.id.kind == Kind::Volume ? VolumeSpec(disk.effective()).storageClass() : kStandardStorageClass;
  std::string physical = root ? rootDiskName(vdc, records_.diskOwner(vdc, disk.id)) : disk.physicalName;
  PoolHandle pool = host_.pool(storageClass);
  VolumeHandle vol(virStorageVolLookupByName(pool.get(), physical.c_str()));
  if (!vol) throw libvirtError("cannot find volume " + physical);
  return vol;
}

std::optional<Datacenter::DiskContents> LibvirtStorage::contentsOf(const std::string& vdc, const LiveObject& disk) {
  if (host_.settings().testDriver) return std::nullopt;
  if (disk.id.kind == Kind::Instance && !disk.recorded.contains("image")) return std::nullopt;  // no root disk of ours
  VolumeHandle vol = volumeOf(vdc, disk);
  XmlDocument doc(takeString(virStorageVolGetXMLDesc(vol.get(), 0), "XML of the volume of " + disk.id.str()),
                  "volume XML");
  virStorageVolInfo info;
  if (virStorageVolGetInfoFlags(vol.get(), &info, VIR_STORAGE_VOL_GET_PHYSICAL) < 0)
    throw libvirtError("cannot read the size of the volume of " + disk.id.str());
  return Datacenter::DiskContents{diskFormat(doc.text("target/format/@type").value_or("raw")), info.allocation};
}

void LibvirtStorage::readContents(const std::string& vdc, const LiveObject& disk, const Datacenter::DiskSink& take) {
  VolumeHandle vol = volumeOf(vdc, disk);
  downloadVolume(host_.connection(), vol.get(), take);
}

VolumeHandle LibvirtStorage::createRaw(const std::string& storageClass, const std::string& physical, uint64_t size) {
  PoolHandle pool = host_.pool(storageClass);
  std::string xml = volumeXml(physical, size, "raw", std::nullopt);
  VolumeHandle vol(virStorageVolCreateXML(pool.get(), xml.c_str(), 0));
  if (!vol) throw libvirtError("cannot create volume " + physical);
  return vol;
}

void LibvirtStorage::deleteVolume(const std::string& storageClass, const std::string& physical) {
  PoolHandle pool = host_.pool(storageClass);
  auto vol = lookupOrNull<VolumeHandle>(virStorageVolLookupByName(pool.get(), physical.c_str()), "volume " + physical);
  if (!vol) return;
  if (virStorageVolDelete(vol.get(), 0) < 0) throw libvirtError("cannot delete volume " + physical);
}

void LibvirtStorage::visit(const std::string& vdc, const HostObject& object, LiveState& into) {
  if (object.type == HostObject::Type::Pool && !object.running) inactivePools_.insert(object.name);
  if (object.type != HostObject::Type::Volume) return;
  auto named = volumeResource(vdc, object.name);
  // The record network comes before the pools in a scan: the names adopted
  // and renamed volumes keep are known.
  auto id = records_.adoptedAs(vdc, Kind::Volume, object.name);
  if (!id) id = named;
  if (id) reserveKeptName(into, vdc, named, object.name, *id);
  if (!id) {
    if (records_.adoptedByAnother(vdc, object.name)) return;
    if (auto unowned = describeVolume(object, host_.storageClassOf(object.pool))) into.addUnowned(std::move(*unowned));
    return;
  }
  const XmlDocument& doc = object.doc;
  Seen seen{*id, object.name, object.pool};
  seen.path = doc.text("target/path", object.node).value_or("");
  seen.backing = doc.text("backingStore/path", object.node).value_or("");
  seen.format = doc.text("target/format/@type", object.node).value_or("raw");
  auto capacity = doc.nodes("capacity", object.node);
  seen.capacity = scaledBytes(capacity.empty() ? nullptr : capacity.front(), "bytes").value_or(0);
  seen_.push_back(std::move(seen));
}

void LibvirtStorage::finishRead(const std::string& vdc, LiveState& into) {
  auto records = records_.records(vdc);
  std::map<std::string, std::string> imageByPath;
  for (const auto& s : seen_)
    if (s.id.kind == Kind::Image && records.count(s.id)) imageByPath[s.path] = s.id.name;
  for (const auto& s : seen_) {
    auto record = records.find(s.id);
    if (record == records.end()) {
      into.addForeign({s.id, s.physical, ""});
      // A volume under this VDC's name that no record claims (forgotten, or
      // left by a VDC of this name destroyed since): this VDC, and no other,
      // may adopt it back.
      if (s.id.kind == Kind::Volume)
        into.addUnowned(unownedVolume(s.physical, s.capacity, host_.storageClassOf(s.pool), s.backing));
      continue;
    }
    LiveObject object{s.id, s.physical, record->second.specHash, record->second.spec, Json::object()};
    if (s.id.kind == Kind::Image) {
      object.observed["format"] = diskFormat(s.format);
    } else {
      object.observed["size"] = formatSize(s.capacity);
      object.observed["storageClass"] = host_.storageClassOf(s.pool);
      auto image = imageByPath.find(s.backing);
      if (image != imageByPath.end())
        object.observed["image"] = image->second;
      else if (s.backing.empty() && object.recorded.contains("image"))
        object.observed["image"] = nullptr;  // the copy-on-write link is gone
    }
    into.add(std::move(object));
  }
  // A recorded disk not seen: its pool was stopped by hand (drift, repaired
  // by starting the pool), or it was deleted (made anew).
  for (const auto& [id, record] : records) {
    if ((id.kind != Kind::Volume && id.kind != Kind::Image) || into.find(id)) continue;
    std::string pool = host_.poolFor(storageClassOf(record));
    std::string physical = records_.nameOf(vdc, id);
    if (inactivePools_.count(pool))
      into.add({id, physical, record.specHash, record.spec, {{"hostState", "pool '" + pool + "' inactive"}}});
    else
      into.addMissing(id, physical);
    reserveKeptName(into, vdc, volumeResource(vdc, physical), physical, id);  // gone, still its name
  }
  seen_.clear();
  inactivePools_.clear();
}

void LibvirtStorage::read(const std::string& vdc, LiveState& into) { readHost(host_, records_, {this}, vdc, into); }

void LibvirtStorage::create(const Ownership& owner) {
  records_.putDurably({owner});  // first: a crash after this leaves a record, never a foreign-looking volume
  if (const CarriedDisk* disk = carried(owner.id))
    return createFromContents(owner, *disk, storageClassOf(owner), records_.nameOf(owner.vdc, owner.id));
  if (owner.id.kind == Kind::Image) return createImage(owner);
  auto size = parseSize(owner.spec.at("size").get<std::string>());
  // Made again after it was deleted by hand, a renamed or adopted volume keeps its name.
  createChild(storageClassOf(owner), records_.nameOf(owner.vdc, owner.id), size.value_or(0), imageOf(owner));
}

void LibvirtStorage::update(const Ownership& owner, const LiveObject& live) {
  if (live.observed.contains("hostState")) host_.pool(storageClassOf(owner));  // starts its pool
  if (owner.id.kind == Kind::Volume) {
    uint64_t wanted = parseSize(owner.spec.at("size").get<std::string>()).value_or(0);
    uint64_t current = parseSize(live.effective().value("size", "0B")).value_or(0);
    if (wanted > current) {
      PoolHandle pool = host_.pool(storageClassOf(owner));
      VolumeHandle vol(virStorageVolLookupByName(pool.get(), live.physicalName.c_str()));
      if (!vol) throw libvirtError("cannot find volume " + live.physicalName);
      bool grown = growAttached(host_.poolFor(storageClassOf(owner)), live.physicalName, wanted);
      if (!grown && virStorageVolResize(vol.get(), wanted, 0) < 0) {
        virErrorPtr err = virGetLastError();
        // The embedded datacenter's volumes hold no data: grow by re-creating.
        if (!(host_.settings().testDriver && err && err->code == VIR_ERR_NO_SUPPORT))
          throw libvirtError("cannot resize volume " + live.physicalName);
        auto backing = imageOf(owner);
        deleteVolume(storageClassOf(owner), live.physicalName);
        createChild(storageClassOf(owner), live.physicalName, wanted, backing);
      }
    }
  }
  records_.put(owner);
}

// A running guest holds the files of its disks (qemu's write lock): a
// volume one has attached grows through it, and the guest sees the new size
// at once. Whether one had it.
bool LibvirtStorage::growAttached(const std::string& pool, const std::string& physical, uint64_t bytes) {
  if (host_.settings().testDriver) return false;  // no guest runs there
  virDomainPtr* running = nullptr;
  int n = virConnectListAllDomains(host_.connection(), &running, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  for (auto& dom : takeList<DomainHandle>(running, n, "cannot list running domains")) {
    XmlDocument doc(takeString(virDomainGetXMLDesc(dom.get(), 0), "domain XML"), "domain XML");
    for (xmlNodePtr disk : doc.nodes("devices/disk")) {
      auto source = doc.nodes("source", disk);
      if (source.empty() || XmlDocument::attribute(source.front(), "pool") != pool ||
          XmlDocument::attribute(source.front(), "volume") != physical)
        continue;
      std::string target = doc.text("target/@dev", disk).value_or("");
      if (virDomainBlockResize(dom.get(), target.c_str(), bytes, VIR_DOMAIN_BLOCK_RESIZE_BYTES) < 0)
        throw libvirtError("cannot grow volume " + physical + " through the guest that runs with it");
      return true;
    }
  }
  return false;
}

void LibvirtStorage::remove(const std::string& vdc, const LiveObject& live) {
  // Where it is, which a record written ahead of its replace may not say.
  std::string storageClass = live.id.kind == Kind::Image ? kStandardStorageClass : VolumeSpec(live.effective()).storageClass();
  deleteVolume(storageClass, live.physicalName);
  records_.erase(vdc, live.id);
  records_.forgetName(vdc, live.id);
}

// The record first: a volume with a name kept but no record would look foreign.
void LibvirtStorage::adopt(const Ownership& owner) {
  volume(storageClassOf(owner), owner.physical);  // throws unless it is in its class's pool
  records_.putDurably({owner});
  records_.keepName(owner.vdc, owner.id, owner.physical);
}

void LibvirtStorage::rename(const std::string& vdc, const LiveObject& live, const ResourceId& to) {
  if (live.id.kind != Kind::Volume) throw Error(live.id.str() + ": an Image is made anew under a new name");
  records_.rename(vdc, live.id, to, live.physicalName);
}

void LibvirtStorage::forget(const std::string& vdc, const LiveObject& live) {
  if (live.id.kind != Kind::Volume) throw Error(live.id.str() + ": vdc cannot adopt an Image again, so it cannot forget one");
  records_.erase(vdc, live.id);
  records_.forgetName(vdc, live.id);
}

}  // namespace vdc::libvirt
