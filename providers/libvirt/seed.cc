#include "providers/libvirt/seed.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include <yaml-cpp/yaml.h>

#include "base/error.h"
#include "support/archive_handles.h"

namespace vdc::libvirt {

namespace {

la_ssize_t append(archive*, void* out, const void* bytes, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(bytes), size);
  return static_cast<la_ssize_t>(size);
}

void check(archive* a, int status, const std::string& what) {
  if (status != ARCHIVE_OK) {
    const char* reason = archive_error_string(a);
    throw Error("cannot build the cloud-init seed: " + what + ": " + (reason ? reason : "unknown error"));
  }
}

void addFile(archive* a, const std::string& name, const std::string& contents) {
  ArchiveEntry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(contents.size()));
  archive_entry_set_mtime(entry.get(), 0, 0);  // the same seed, the same bytes in it
  check(a, archive_write_header(a, entry.get()), name);
  if (archive_write_data(a, contents.data(), contents.size()) != static_cast<la_ssize_t>(contents.size()))
    check(a, ARCHIVE_FATAL, name);
}

}  // namespace

std::string metaData(const Seed& seed) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "instance-id" << YAML::Value << seed.instanceId;
  out << YAML::Key << "local-hostname" << YAML::Value << seed.hostname;
  if (!seed.publicKeys.empty()) {
    out << YAML::Key << "public-keys" << YAML::Value << YAML::BeginSeq;
    for (const auto& key : seed.publicKeys) out << key;
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string networkConfig(const Seed& seed) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "version" << YAML::Value << 2;
  out << YAML::Key << "ethernets" << YAML::Value << YAML::BeginMap;
  for (size_t i = 0; i < seed.nics.size(); ++i) {
    const auto& nic = seed.nics[i];
    out << YAML::Key << "nic" + std::to_string(i) << YAML::Value << YAML::BeginMap;
    // Quoted: YAML 1.1 readers take an all-digit MAC for a base-60 number.
    out << YAML::Key << "match" << YAML::Value << YAML::BeginMap << YAML::Key << "macaddress" << YAML::Value
        << YAML::DoubleQuoted << nic.mac << YAML::EndMap;
    if (nic.address.empty()) {
      out << YAML::Key << "dhcp4" << YAML::Value << true;
    } else {
      out << YAML::Key << "addresses" << YAML::Value << YAML::BeginSeq << nic.address << YAML::EndSeq;
      if (!nic.gateway.empty()) out << YAML::Key << "gateway4" << YAML::Value << nic.gateway;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string userData(const Seed& seed) { return seed.userData.empty() ? "#cloud-config\n{}\n" : seed.userData; }

std::string seedIso(const Seed& seed) {
  ArchiveWriter a(archive_write_new());
  archive* w = a.get();
  check(w, archive_write_set_format_iso9660(w), "ISO 9660");
  check(w, archive_write_set_option(w, "iso9660", "volume-id", "cidata"), "volume id");
  check(w, archive_write_set_bytes_in_last_block(w, 1), "block size");
  std::string iso;
  check(w, archive_write_open(w, &iso, nullptr, append, nullptr), "open");
  addFile(w, "meta-data", metaData(seed));
  if (!seed.nics.empty()) addFile(w, "network-config", networkConfig(seed));
  addFile(w, "user-data", userData(seed));
  check(w, archive_write_close(w), "close");
  return iso;
}

}  // namespace vdc::libvirt
