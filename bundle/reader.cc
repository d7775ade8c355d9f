#include "bundle/reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include "base/error.h"
#include "engine/hash.h"
#include "support/archive_handles.h"
#include "base/text.h"

namespace vdc::bundle {

namespace {

namespace fs = std::filesystem;

// What a compressed file starts with: a bundle is a plain tar, whose disks
// keep their holes without compression, so a filter would only let a few
// bytes expand into many.
std::optional<std::string> compression(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  char head[6] = {};
  in.read(head, sizeof head);
  std::string_view bytes(head, static_cast<size_t>(in.gcount()));
  if (bytes.starts_with("\x1f\x8b")) return "gzip";
  if (bytes.starts_with("BZh")) return "bzip2";
  if (bytes.starts_with("\xfd" "7zXZ")) return "xz";
  if (bytes.starts_with("\x28\xb5\x2f\xfd")) return "zstd";
  if (bytes.starts_with("\x04\x22\x4d\x18")) return "lz4";
  return std::nullopt;
}

// One reading of the archive, member by member.
class Reading {
 public:
  Reading(const std::string& file, const std::atomic<bool>* stop) : file_(file), archive_(archive_read_new()), stop_(stop) {
    if (auto filter = compression(file))
      fail("it is compressed (" + *filter + "); a bundle is a plain tar: decompress it first");
    archive_read_support_format_tar(archive_.get());
    archive_read_support_filter_none(archive_.get());
    if (archive_read_open_filename(archive_.get(), file.c_str(), 1 << 20) != ARCHIVE_OK)
      fail("cannot open it: " + reason());
  }

  [[noreturn]] void fail(const std::string& why) const { throw Error("bundle " + file_ + ": " + why); }
  std::string reason() const {
    const char* text = archive_error_string(archive_.get());
    return text ? text : "unknown error";
  }

  // The next member's path and size, or false at the end; refuses what is not a plain file.
  bool next(std::string& member, uint64_t& size) {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(archive_.get(), &entry);
    if (status == ARCHIVE_EOF) return false;
    if (status != ARCHIVE_OK) fail("truncated or corrupt: " + reason());
    if (++members_ > kMaxMembers) fail("it holds more than " + std::to_string(kMaxMembers) + " members");
    const char* path = archive_entry_pathname(entry);
    member = path ? path : "";
    if (!safeMemberPath(member)) fail("member '" + printable(member) + "' is not a path a bundle may hold");
    if (archive_entry_hardlink(entry) || archive_entry_symlink(entry) || archive_entry_filetype(entry) != AE_IFREG)
      fail("member '" + member + "' is not a plain file (links, devices and directories are refused)");
    if (archive_entry_size(entry) < 0) fail("member '" + member + "' has no size");
    size = static_cast<uint64_t>(archive_entry_size(entry));
    return true;
  }

  // The current member's bytes, pulled in pieces (0 at its end), hashed as they go.
  size_t pull(char* buffer, size_t capacity) {
    if (stop_ && *stop_) fail("interrupted while reading '" + member_ + "'");
    la_ssize_t got = archive_read_data(archive_.get(), buffer, capacity);
    if (got < 0) fail("truncated or corrupt in '" + member_ + "': " + reason());
    total_ += static_cast<uint64_t>(got);
    // Whatever a sparse map or a header says, never more than the member's size.
    if (total_ > size_) fail("member '" + member_ + "' holds more than the " + std::to_string(size_) + " bytes it declares");
    hash_->update({buffer, static_cast<size_t>(got)});
    return static_cast<size_t>(got);
  }

  void begin(const std::string& member, uint64_t size) {
    member_ = member;
    size_ = size;
    total_ = 0;
    hash_ = std::make_unique<Sha256>();
  }

  // Reads what is left of the member; returns its sha256.
  std::string end() {
    std::vector<char> rest(1 << 16);
    while (pull(rest.data(), rest.size()) > 0) {}
    if (total_ != size_) fail("truncated in '" + member_ + "'");
    return hash_->hex();
  }

  // The whole member through `take`; returns its sha256.
  std::string read(const std::string& member, uint64_t size, const std::function<void(const char*, size_t)>& take) {
    begin(member, size);
    std::vector<char> chunk(1 << 20);
    for (size_t got; (got = pull(chunk.data(), chunk.size())) > 0;)
      if (take) take(chunk.data(), got);
    return end();
  }

 private:
  std::string file_;
  ArchiveReader archive_;
  const std::atomic<bool>* stop_;
  std::string member_;
  uint64_t size_ = 0, total_ = 0;
  size_t members_ = 0;
  std::unique_ptr<Sha256> hash_;
};

}  // namespace

Contents verifyBundle(const std::string& file, const std::function<DiskRoom()>& roomFor, const std::atomic<bool>* stop) {
  Reading reading(file, stop);
  Contents contents;
  std::map<std::string, uint64_t> declared;  // disk member -> size
  std::map<std::string, std::string> computed;
  std::optional<std::map<std::string, std::string>> listed;
  std::string member;
  uint64_t size = 0, small = 0;
  bool first = true;
  while (reading.next(member, size)) {
    if (listed) reading.fail("member '" + member + "' comes after " + kDigestsMember + ", which must be last");
    if (computed.count(member)) reading.fail("member '" + member + "' appears twice");
    bool disk = member.starts_with(kDisksDir);
    if (first != (member == kDescriptorMember)) reading.fail(std::string(kDescriptorMember) + " must come first");
    first = false;
    if (disk && !declared.count(member)) reading.fail("disk '" + member + "' is not in the descriptor");
    if (disk && size != declared[member])
      reading.fail("disk '" + member + "' holds " + std::to_string(size) + " bytes; the descriptor says " +
                   std::to_string(declared[member]));
    if (!disk && size > kSmallMemberBytes) reading.fail("member '" + member + "' is too large to be what it says");
    if (!disk && (small += size) > kSmallMembersBytes)
      reading.fail("its descriptor, digests and manifests hold more than " + std::to_string(kSmallMembersBytes) + " bytes");
    std::string text;
    auto keep = [&](const char* bytes, size_t n) { if (!disk) text.append(bytes, n); };
    std::string digest = reading.read(member, size, keep);
    if (member == kDigestsMember) {
      try {
        listed = parseDigestList(text);
      } catch (const Error& e) {
        reading.fail(e.message());
      }
      continue;
    }
    computed[member] = digest;
    if (member == kDescriptorMember) {
      Json json = Json::parse(text, nullptr, false);
      if (json.is_discarded()) reading.fail(std::string(kDescriptorMember) + " is not JSON");
      try {
        contents.descriptor = Descriptor::fromJson(json);
      } catch (const Error& e) {
        reading.fail(e.message());
      }
      uint64_t total = 0;
      for (const auto& d : contents.descriptor.disks) {
        if (!declared.emplace(d.member(), d.size).second) reading.fail("disk '" + d.member() + "' is declared twice");
        total += d.size;  // each at most kMaxDiskBytes, at most kMaxDisks of them: no overflow
      }
      // Refused here, before a byte of them is read.
      DiskRoom room = roomFor ? roomFor() : DiskRoom{};
      room.bytes = std::min(room.bytes, kMaxDiskBytes);
      if (total > room.bytes)
        reading.fail("its disks declare " + std::to_string(total) + " bytes; " + room.holder + " has room for " +
                     std::to_string(room.bytes));
    } else if (member.starts_with(kManifestsDir)) {
      contents.manifests.push_back(member);
    }
  }
  if (first) reading.fail(std::string("empty: no ") + kDescriptorMember);
  if (!listed) reading.fail(std::string("no ") + kDigestsMember + ": its members cannot be checked");
  for (const auto& [name, digest] : computed) {
    auto it = listed->find(name);
    if (it == listed->end()) reading.fail("member '" + name + "' has no digest in " + kDigestsMember);
    if (it->second != digest)
      reading.fail("member '" + name + "' has sha256 " + digest + "; " + kDigestsMember + " says " + it->second);
  }
  for (const auto& [name, digest] : *listed)
    if (!computed.count(name)) reading.fail(std::string(kDigestsMember) + " lists '" + name + "', which is not in it");
  for (const auto& [name, bytes] : declared)
    if (!computed.count(name)) reading.fail("disk '" + name + "' is in the descriptor but not in the bundle");
  contents.digests = computed;
  return contents;
}

void unpackBundle(const std::string& file, const Contents& verified, const std::string& into, const DiskSink& sink,
                  const std::atomic<bool>* stop) {
  fs::path target = fs::absolute(into);
  if (fs::exists(fs::symlink_status(target))) throw Error("cannot unpack into " + into + ": it exists");
  // Nothing is made but the directory itself: no parents left behind.
  if (!fs::is_directory(target.parent_path()))
    throw Error("cannot unpack into " + into + ": " + target.parent_path().string() + " is not a directory");
  // Made beside it under a name no one else has, and renamed when whole.
  std::string pattern = (target.parent_path() / ("." + target.filename().string() + ".partial-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) throw Error("cannot unpack into " + into + ": cannot make " + pattern);
  fs::path partial = pattern;
  std::map<std::string, const Disk*> disks;
  for (const auto& disk : verified.descriptor.disks) disks[disk.member()] = &disk;

  Reading reading(file, stop);
  // Every member is held to the digest it had when it was verified.
  auto check = [&](const std::string& member, const std::string& digest) {
    auto it = verified.digests.find(member);
    if (member != kDigestsMember && (it == verified.digests.end() || it->second != digest))
      reading.fail("member '" + member + "' changed since it was verified");
  };
  std::string member;
  uint64_t size = 0;
  try {
    while (reading.next(member, size)) {
      if (member.starts_with(kManifestsDir)) {
        fs::path out = partial / member.substr(std::string(kManifestsDir).size());
        fs::create_directories(out.parent_path());
        std::ofstream stream(out, std::ios::binary);
        check(member, reading.read(member, size, [&](const char* bytes, size_t n) {
          stream.write(bytes, static_cast<std::streamsize>(n));
        }));
        if (!stream.flush()) throw Error("cannot write " + out.string());
      } else if (auto disk = disks.find(member); disk != disks.end()) {
        reading.begin(member, size);
        sink(*disk->second, [&](char* buffer, size_t capacity) { return reading.pull(buffer, capacity); });
        check(member, reading.end());
      } else {
        check(member, reading.read(member, size, nullptr));
      }
    }
    fs::rename(partial, target);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(partial, ignored);
    throw;
  }
}

}  // namespace vdc::bundle
