#include "providers/libvirt/storage.h"

#include <filesystem>
#include <set>

#include "engine/units.h"
#include "providers/libvirt/ownership.h"
#include "providers/libvirt/xml.h"

namespace vdc::libvirt {

namespace {

std::string volumeXml(const std::string& name, uint64_t capacity, const std::string& format,
                      const std::string& backingPath) {
  // Sparse, as qcow2 volumes are: the pool is charged only for what is written.
  std::string xml = "<volume><name>" + xmlEscape(name) + "</name><capacity unit='bytes'>" +
                    std::to_string(capacity) +
                    "</capacity><allocation unit='bytes'>0</allocation><target><format type='" + format + "'/></target>";
  if (!backingPath.empty())
    xml += "<backingStore><path>" + xmlEscape(backingPath) + "</path><format type='qcow2'/></backingStore>";
  return xml + "</volume>";
}

// A local image file's size; URLs are fetched by the real storage backend.
uint64_t imageCapacity(const std::string& source) {
  std::string path = source.starts_with("file://") ? source.substr(7) : source;
  if (path.find("://") != std::string::npos) return 0;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

}  // namespace

std::string LibvirtStorage::storageClassOf(const Ownership& owner) const {
  return owner.spec.value("storageClass", "standard");
}

std::string LibvirtStorage::volumePath(const std::string& storageClass, const std::string& physical) {
  PoolHandle pool = host_.pool(storageClass);
  VolumeHandle vol(virStorageVolLookupByName(pool.get(), physical.c_str()));
  if (!vol) throw libvirtError("cannot find volume " + physical);
  return takeString(virStorageVolGetPath(vol.get()), "path of volume " + physical);
}

void LibvirtStorage::createChild(const std::string& storageClass, const std::string& physical, uint64_t capacity,
                                 const std::string& backingPath) {
  PoolHandle pool = host_.pool(storageClass);
  std::string xml = volumeXml(physical, capacity, "qcow2", backingPath);
  VolumeHandle vol(virStorageVolCreateXML(pool.get(), xml.c_str(), 0));
  if (!vol) throw libvirtError("cannot create volume " + physical);
}

void LibvirtStorage::deleteVolume(const std::string& storageClass, const std::string& physical) {
  PoolHandle pool = host_.pool(storageClass);
  VolumeHandle vol(virStorageVolLookupByName(pool.get(), physical.c_str()));
  if (!vol) {
    if (lastErrorIsNotFound()) return;
    throw libvirtError("cannot look up volume " + physical);
  }
  if (virStorageVolDelete(vol.get(), 0) < 0) throw libvirtError("cannot delete volume " + physical);
}

void LibvirtStorage::visit(const std::string& vdc, const HostObject& object, LiveState&) {
  if (object.type != HostObject::Type::Volume) return;
  auto id = volumeResource(vdc, object.name);
  if (!id) return;
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
      continue;
    }
    LiveObject object{s.id, s.physical, record->second.specHash, record->second.spec, Json::object()};
    if (s.id.kind == Kind::Image) {
      object.observed["format"] = s.format;
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
  seen_.clear();
}

void LibvirtStorage::read(const std::string& vdc, LiveState& into) { readHost(host_, records_, {this}, vdc, into); }

void LibvirtStorage::create(const Ownership& owner) {
  std::string physical = volumeName(owner.vdc, owner.id);
  records_.putDurably({owner});  // first: a crash after this leaves a record, never a foreign-looking volume
  if (owner.id.kind == Kind::Image) {
    PoolHandle pool = host_.pool("standard");
    std::string xml = volumeXml(physical, imageCapacity(owner.spec.at("source").get<std::string>()),
                                owner.spec.value("format", "qcow2"), "");
    VolumeHandle vol(virStorageVolCreateXML(pool.get(), xml.c_str(), 0));
    if (!vol) throw libvirtError("cannot create image volume " + physical);
    return;
  }
  std::string backing;
  if (owner.spec.contains("image"))
    backing = volumePath("standard", volumeName(owner.vdc, {Kind::Image, owner.spec["image"].get<std::string>()}));
  auto size = parseSize(owner.spec.at("size").get<std::string>());
  createChild(storageClassOf(owner), physical, size.value_or(0), backing);
}

void LibvirtStorage::update(const Ownership& owner, const LiveObject& live) {
  if (owner.id.kind == Kind::Volume) {
    uint64_t wanted = parseSize(owner.spec.at("size").get<std::string>()).value_or(0);
    uint64_t current = parseSize(live.effective().value("size", "0B")).value_or(0);
    if (wanted > current) {
      PoolHandle pool = host_.pool(storageClassOf(owner));
      VolumeHandle vol(virStorageVolLookupByName(pool.get(), live.physicalName.c_str()));
      if (!vol) throw libvirtError("cannot find volume " + live.physicalName);
      if (virStorageVolResize(vol.get(), wanted, 0) < 0) {
        virErrorPtr err = virGetLastError();
        // The embedded datacenter's volumes hold no data: grow by re-creating.
        if (!(host_.settings().testDriver && err && err->code == VIR_ERR_NO_SUPPORT))
          throw libvirtError("cannot resize volume " + live.physicalName);
        std::string backing;
        if (owner.spec.contains("image"))
          backing = volumePath("standard", volumeName(owner.vdc, {Kind::Image, owner.spec["image"].get<std::string>()}));
        deleteVolume(storageClassOf(owner), live.physicalName);
        createChild(storageClassOf(owner), live.physicalName, wanted, backing);
      }
    }
  }
  records_.put(owner);
}

void LibvirtStorage::remove(const std::string& vdc, const LiveObject& live) {
  std::string storageClass = live.id.kind == Kind::Image ? "standard" : live.recorded.value("storageClass", "standard");
  deleteVolume(storageClass, live.physicalName);
  records_.erase(vdc, live.id);
}

}  // namespace vdc::libvirt
