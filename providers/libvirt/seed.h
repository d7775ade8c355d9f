// cloud-init's NoCloud seed: an ISO 9660 image labelled "cidata" holding an
// instance's meta-data (instance id, host name, public keys), its network
// config (the planned addresses) and its user-data, attached to the guest
// as a CD-ROM (containers get it as a file system: seedFileSystem).
#pragma once

#include <string>
#include <vector>

namespace vdc::libvirt {

struct Seed {
  struct Nic {
    std::string mac;
    std::string address;  // "10.0.0.2/24"; empty: DHCP
    std::string gateway;  // empty: no default route through it
  };
  std::string instanceId;  // changes when the seed does, so cloud-init runs it again
  std::string hostname;
  std::vector<std::string> publicKeys;  // OpenSSH public key lines
  std::string userData;                 // as the manifest has it; empty: an empty cloud-config
  std::vector<Nic> nics;
};

std::string metaData(const Seed& seed);       // YAML
std::string networkConfig(const Seed& seed);  // YAML, cloud-init's network config version 2
std::string userData(const Seed& seed);
// The ISO image's bytes (a few hundred KiB).
std::string seedIso(const Seed& seed);
// The same files in an ext2 file system labelled "cidata", for containers:
// they share the host's kernel, which may not read ISO 9660, and libvirt
// mounts it at /var/lib/cloud/seed/nocloud, where cloud-init looks.
// Needs mke2fs (e2fsprogs) where vdc runs.
std::string seedFileSystem(const Seed& seed);

}  // namespace vdc::libvirt
