// The qcow2 header, as far as vdc reads it: a carried disk (bundle/) is
// untrusted, so every field vdc uses is checked against the file before it
// is used, and a header qemu would follow off the disk is refused. The one
// field vdc rewrites is the backing file's name: a Volume that is a
// copy-on-write child of an Image names its backing file by a path of the
// host it was made on; carried to another datacenter, its header is pointed
// at the image there before it is uploaded, as `qemu-img rebase -u` would.
#pragma once

#include <optional>
#include <string>

namespace vdc::libvirt {

// Whether `file` begins with qcow2's magic: what a host that probes a
// file's format takes for qcow2, whole header or not.
bool hasQcow2Magic(const std::string& file);

// Checks a qcow2 file's header: version 2 or 3, cluster bits qemu takes (9
// to 21), a header length and a backing file name inside the first cluster
// and the file, no external data file and no feature this reading does not
// know. Throws Error naming the field otherwise, or when `file` is not qcow2.
void checkQcow2Header(const std::string& file);

// The backing file a qcow2 file names, if any (none, too, for a file that is
// not qcow2). Throws as checkQcow2Header does for a qcow2 file it refuses.
std::optional<std::string> qcow2BackingFile(const std::string& file);

// Names `backing` as its backing file, in place. The name must fit in the
// header's first cluster, where qcow2 keeps it; an Error says when not.
void setQcow2BackingFile(const std::string& file, const std::string& backing);

}  // namespace vdc::libvirt
