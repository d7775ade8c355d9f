// RAII for libarchive's handles: a reader, a writer and an entry, each
// freed with libarchive's own call (base/release.h).
#pragma once

#include <memory>

#include <archive.h>
#include <archive_entry.h>

#include "base/release.h"

namespace vdc {

using ArchiveReader = std::unique_ptr<archive, Release<archive_read_free>>;
using ArchiveWriter = std::unique_ptr<archive, Release<archive_write_free>>;
using ArchiveEntry = std::unique_ptr<archive_entry, Release<archive_entry_free>>;

}  // namespace vdc
