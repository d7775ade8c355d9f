// An Image's contents, from a local file into its volume on a host, checked
// against the sha256 the manifest names while they stream.
#pragma once

#include <cstdint>
#include <string>

#include <libvirt/libvirt.h>

#include "engine/host_files.h"

namespace vdc::libvirt {

// The local file an Image source names: a path (relative to the VDC's
// directory) or a file:// URL, as `files` allows it (engine/host_files.h).
// Throws for URLs of other schemes (an http(s) source is downloaded to a
// local file first: support/download.h).
std::string imageFile(const std::string& source, const HostFileRule& files);

// Streams `file` (opened as `files` allows) into `volume` (null: only reads
// it, for a datacenter whose volumes hold no data) and returns its sha256.
// When `expectedSha256` is set and differs, the upload is aborted and an
// Error names the digest expected, never the file's own.
std::string importImage(virConnectPtr conn, virStorageVolPtr volume, const std::string& file,
                        const std::string& expectedSha256, const HostFileRule& files = {});

}  // namespace vdc::libvirt
