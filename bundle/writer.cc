#include "bundle/writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <vector>

#include "bundle/bundle.h"
#include "base/error.h"
#include "engine/hash.h"
#include "support/archive_handles.h"

namespace vdc::bundle {

BundleWriter::BundleWriter(std::string file)
    : file_(std::move(file)), partial_(file_ + ".partial-XXXXXX"), archive_(archive_write_new()) {
  fd_.reset(mkstemp(partial_.data()));  // a name of its own beside the bundle's: nothing is written over
  if (!fd_) throw Error("cannot write bundle " + file_ + ": cannot make " + partial_);
  // mkstemp makes it for its owner alone, and so it stays: a bundle holds manifests and disks.
  archive* a = archive_.get();
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK || archive_write_open_fd(a, fd_.get()) != ARCHIVE_OK) {
    fd_.reset();
    std::remove(partial_.c_str());
    throw Error("cannot write bundle " + file_ + ": " + archive_error_string(a));
  }
}

BundleWriter::~BundleWriter() {
  archive_.reset();
  fd_.reset();
  if (!finished_) std::remove(partial_.c_str());
}

void BundleWriter::header(const std::string& member, uint64_t size, const std::vector<Extent>* data) {
  if (!safeMemberPath(member)) throw Error("cannot put '" + member + "' in a bundle");
  ArchiveEntry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), member.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  if (data)
    for (const Extent& extent : *data)
      archive_entry_sparse_add_entry(entry.get(), static_cast<la_int64_t>(extent.offset),
                                     static_cast<la_int64_t>(extent.length));
  archive_entry_set_mtime(entry.get(), std::time(nullptr), 0);
  if (archive_write_header(archive_.get(), entry.get()) != ARCHIVE_OK)
    throw Error("cannot write bundle " + file_ + ": " + archive_error_string(archive_.get()));
}

void BundleWriter::write(const char* bytes, size_t size) {
  if (size > 0 && archive_write_data(archive_.get(), bytes, size) != static_cast<la_ssize_t>(size))
    throw Error("cannot write bundle " + file_ + ": " + archive_error_string(archive_.get()));
}

void BundleWriter::add(const std::string& member, std::string_view contents) {
  header(member, contents.size());
  write(contents.data(), contents.size());
  digests_.push_back({member, sha256Hex(contents)});
}

void BundleWriter::add(const std::string& member, uint64_t size, const Source& read) {
  add(member, size, [&](const Take& take) {
    std::vector<char> chunk(1 << 20);
    for (uint64_t left = size; left > 0;) {
      size_t got = read(chunk.data(), static_cast<size_t>(std::min<uint64_t>(chunk.size(), left)));
      if (got == 0) break;
      take(chunk.data(), got);
      left -= got;
    }
  });
}

void BundleWriter::add(const std::string& member, uint64_t size, const std::function<void(const Take&)>& produce) {
  std::string spoolName = file_ + ".disk-XXXXXX";
  FileDescriptor held(mkstemp(spoolName.data()));
  int spool = held.get();
  if (spool < 0) throw Error("cannot write bundle " + file_ + ": cannot make a spool beside it");
  std::remove(spoolName.c_str());  // gone with its descriptor, whatever happens

  HoleWriter holes(spool);
  Sha256 hash;
  produce([&](const char* bytes, size_t n) {
    if (holes.written() + n > size)
      throw Error("cannot write bundle " + file_ + ": " + member + " is larger than announced");
    holes.write({bytes, n});
    hash.update({bytes, n});
  });
  if (holes.written() != size)
    throw Error("cannot write bundle " + file_ + ": " + member + " gave " + std::to_string(holes.written()) + " of " +
                std::to_string(size) + " bytes");
  holes.finish();

  // The archive takes the member's whole length in order and stores only
  // the data extents: holes are handed over as zeros it skips.
  std::vector<Extent> data = dataExtents(spool, size);
  header(member, size, &data);
  static const std::vector<char> zeros(1 << 20, 0);
  std::vector<char> chunk(1 << 20);
  uint64_t at = 0;
  auto skipTo = [&](uint64_t offset) {
    for (; at < offset; at += std::min<uint64_t>(zeros.size(), offset - at))
      write(zeros.data(), static_cast<size_t>(std::min<uint64_t>(zeros.size(), offset - at)));
  };
  for (const Extent& extent : data) {
    skipTo(extent.offset);
    for (uint64_t end = extent.offset + extent.length; at < end;) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(chunk.size(), end - at));
      ssize_t got = pread(spool, chunk.data(), want, static_cast<off_t>(at));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) throw Error("cannot write bundle " + file_ + ": cannot read back the spool of " + member);
      write(chunk.data(), static_cast<size_t>(got));
      at += static_cast<uint64_t>(got);
    }
  }
  skipTo(size);
  digests_.push_back({member, hash.hex()});
}

void BundleWriter::finish() {
  std::string sums;
  for (const auto& [member, digest] : digests_) sums += "SHA256 (" + member + ") = " + digest + "\n";
  header(kDigestsMember, sums.size());
  write(sums.data(), sums.size());
  if (archive_write_close(archive_.get()) != ARCHIVE_OK)
    throw Error("cannot write bundle " + file_ + ": " + archive_error_string(archive_.get()));
  // A failure to close is a failure to write: the data may not be on the disk.
  if (fsync(fd_.get()) < 0 || !fd_.close()) throw Error("cannot write bundle " + file_);
  std::error_code ec;
  std::filesystem::rename(partial_, file_, ec);
  if (ec) throw Error("cannot write bundle " + file_ + ": " + ec.message());
  finished_ = true;
}

}  // namespace vdc::bundle
