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

void LibvirtStorage::read(const std::string& vdc, LiveState& into) {
  auto records = records_.records(vdc);
  std::map<std::string, ResourceId> imageByPath;
  std::vector<std::pair<LiveObject, std::string>> volumes;  // with backing path

  virStoragePoolPtr* rawPools = nullptr;
  int n = virConnectListAllStoragePools(host_.connection(), &rawPools, VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
  for (auto& pool : takeList<PoolHandle>(rawPools, n, "cannot list storage pools")) {
    std::string poolName = virStoragePoolGetName(pool.get());
    virStorageVolPtr* rawVols = nullptr;
    int m = virStoragePoolListAllVolumes(pool.get(), &rawVols, 0);
    for (auto& vol : takeList<VolumeHandle>(rawVols, m, "cannot list volumes of pool " + poolName)) {
      std::string physical = virStorageVolGetName(vol.get());
      auto id = volumeResource(vdc, physical);
      if (!id) continue;
      auto record = records.find(*id);
      if (record == records.end()) {
        into.addForeign({*id, physical, ""});
        continue;
      }
      XmlDocument doc(takeString(virStorageVolGetXMLDesc(vol.get(), 0), physical), physical);
      LiveObject object{*id, physical, record->second.specHash, record->second.spec, Json::object()};
      if (id->kind == Kind::Image) {
        imageByPath[doc.text("/volume/target/path").value_or("")] = *id;
        object.observed["format"] = doc.text("/volume/target/format/@type").value_or("raw");
      } else {
        object.observed["size"] = formatSize(std::stoull(doc.text("/volume/capacity").value_or("0")));
        object.observed["storageClass"] = host_.storageClassOf(poolName);
      }
      volumes.emplace_back(std::move(object), doc.text("/volume/backingStore/path").value_or(""));
    }
  }
  for (auto& [object, backing] : volumes) {
    if (object.id.kind == Kind::Volume) {
      auto image = imageByPath.find(backing);
      if (image != imageByPath.end()) object.observed["image"] = image->second.name;
      else if (backing.empty()) object.observed["image"] = nullptr;
      if (object.observed["image"].is_null() && !object.recorded.contains("image")) object.observed.erase("image");
    }
    into.add(std::move(object));
  }
}

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
