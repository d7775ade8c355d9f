// The one field of a qcow2 header vdc rewrites: the backing file's name. A
// Volume that is a copy-on-write child of an Image names its backing file by
// a path of the host it was made on; carried to another datacenter
// (bundle/), its header is pointed at the image there before it is uploaded,
// as `qemu-img rebase -u` would do.
#pragma once

#include <optional>
#include <string>

namespace vdc::libvirt {

// Whether `file` starts as a qcow2 file does (its magic and a whole header).
bool isQcow2File(const std::string& file);

// The backing file a qcow2 file names, if any (none, too, for a file that is
// not qcow2).
std::optional<std::string> qcow2BackingFile(const std::string& file);

// Names `backing` as its backing file, in place. The name must fit in the
// header's first cluster, where qcow2 keeps it; an Error says when not.
void setQcow2BackingFile(const std::string& file, const std::string& backing);

}  // namespace vdc::libvirt
