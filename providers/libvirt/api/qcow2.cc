#include "providers/libvirt/api/qcow2.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace vdc::libvirt {

namespace {

// Header fields, big-endian (docs/interop/qcow2.txt in qemu). Versions 2 and
// 3 share the first 72 bytes; version 3 adds feature bits and the header's
// length, up to byte 104.
constexpr std::string_view kMagic("QFI\xfb", 4);
constexpr size_t kVersion = 4, kBackingOffset = 8, kBackingSize = 16, kClusterBits = 20;
constexpr size_t kIncompatible = 72, kHeaderLength = 100, kV2HeaderEnd = 72, kV3HeaderEnd = 104;
constexpr uint32_t kMinClusterBits = 9, kMaxClusterBits = 21;  // qemu's own bounds
constexpr uint32_t kMaxBackingName = 1023;                     // qemu refuses longer names
// Incompatible feature bits: dirty, corrupt, external data file, compression
// type, extended L2 entries. An external data file makes qemu read another
// file of the host; bits past these are features this reading does not know.
constexpr uint64_t kExternalDataFile = 1 << 2, kKnownIncompatible = 0x1f;

uint64_t bigEndian(const std::vector<char>& bytes, size_t at, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value = value << 8 | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

void putBigEndian(std::vector<char>& bytes, size_t at, size_t width, uint64_t value) {
  for (size_t i = width; i-- > 0; value >>= 8) bytes[at + i] = static_cast<char>(value & 0xff);
}

// The first bytes of `file`, up to `size` (fewer when the file is shorter).
std::vector<char> head(const std::string& file, size_t size) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read " + file);
  std::vector<char> bytes(size);
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

bool isQcow2(const std::vector<char>& bytes) {
  return bytes.size() >= kV2HeaderEnd && std::string_view(bytes.data(), kMagic.size()) == kMagic;
}

struct Header {
  uint64_t cluster = 0;        // bytes in a cluster
  uint64_t backingOffset = 0;  // 0: no backing file
  uint64_t backingSize = 0;
  uint64_t headerEnd = 0;      // where the fixed header ends, which the name may not overlap
};

// The header's fields, each checked against the file before it is used.
Header parse(const std::string& file, const std::vector<char>& bytes) {
  auto refuse = [&](const std::string& why) { return Error(file + ": its qcow2 header " + why); };
  uint64_t version = bigEndian(bytes, kVersion, 4);
  if (version != 2 && version != 3) throw refuse("is of version " + std::to_string(version) + " (2 or 3)");
  uint64_t bits = bigEndian(bytes, kClusterBits, 4);
  if (bits < kMinClusterBits || bits > kMaxClusterBits)
    throw refuse("has cluster_bits " + std::to_string(bits) + " (9 to 21)");
  Header header;
  header.cluster = uint64_t{1} << bits;
  header.headerEnd = kV2HeaderEnd;
  if (version == 3) {
    if (bytes.size() < kV3HeaderEnd) throw refuse("is cut short");
    uint64_t incompatible = bigEndian(bytes, kIncompatible, 8);
    if (incompatible & kExternalDataFile) throw refuse("names an external data file, which a carried disk may not");
    if (incompatible & ~kKnownIncompatible) throw refuse("asks for incompatible features this vdc does not know");
    header.headerEnd = bigEndian(bytes, kHeaderLength, 4);
    if (header.headerEnd < kV3HeaderEnd || header.headerEnd > header.cluster)
      throw refuse("has header_length " + std::to_string(header.headerEnd) + ", outside its first cluster");
  }
  header.backingOffset = bigEndian(bytes, kBackingOffset, 8);
  header.backingSize = bigEndian(bytes, kBackingSize, 4);
  if (header.backingOffset == 0) return header;
  // Each bound alone keeps the sums below far from overflowing.
  if (header.backingSize > kMaxBackingName) throw refuse("names a backing file longer than 1023 bytes");
  if (header.backingOffset < header.headerEnd || header.backingOffset > header.cluster ||
      header.backingOffset + header.backingSize > header.cluster)
    throw refuse("keeps its backing file name outside its first cluster");
  if (header.backingOffset + header.backingSize > std::filesystem::file_size(file))
    throw refuse("names a backing file past its end");
  return header;
}

// Enough of the file to hold any header parse() accepts, and its name.
std::vector<char> headerBytes(const std::string& file) { return head(file, kV3HeaderEnd); }

}  // namespace

bool hasQcow2Magic(const std::string& file) {
  std::vector<char> bytes = head(file, kMagic.size());
  return std::string_view(bytes.data(), bytes.size()) == kMagic;
}

void checkQcow2Header(const std::string& file) {
  std::vector<char> bytes = headerBytes(file);
  if (!isQcow2(bytes)) throw Error(file + " is not a qcow2 file");
  parse(file, bytes);
}

std::optional<std::string> qcow2BackingFile(const std::string& file) {
  std::vector<char> bytes = headerBytes(file);
  if (!isQcow2(bytes)) return std::nullopt;
  Header header = parse(file, bytes);
  if (header.backingOffset == 0 || header.backingSize == 0) return std::nullopt;
  std::vector<char> name = head(file, header.backingOffset + header.backingSize);
  if (name.size() != header.backingOffset + header.backingSize)
    throw Error(file + ": its qcow2 header names a backing file past its end");
  return std::string(name.data() + header.backingOffset, header.backingSize);
}

void setQcow2BackingFile(const std::string& file, const std::string& backing) {
  std::vector<char> bytes = headerBytes(file);
  if (!isQcow2(bytes)) throw Error(file + " is not a qcow2 file");
  Header header = parse(file, bytes);
  if (header.backingOffset == 0) throw Error(file + " has no backing file to point elsewhere");
  if (backing.size() > kMaxBackingName || header.backingOffset + backing.size() > header.cluster)
    throw Error(file + ": the backing file name " + backing + " does not fit in its qcow2 header");
  std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
  std::vector<char> field(8 + 4);
  putBigEndian(field, 0, 8, header.backingOffset);
  putBigEndian(field, 8, 4, backing.size());
  io.seekp(kBackingOffset);
  io.write(field.data(), static_cast<std::streamsize>(field.size()));
  // The new name, and zeros over what is left of the old one.
  uint64_t old = header.backingSize;
  std::string name = backing + std::string(old > backing.size() ? old - backing.size() : 0, '\0');
  io.seekp(static_cast<std::streamoff>(header.backingOffset));
  io.write(name.data(), static_cast<std::streamsize>(name.size()));
  if (!io.flush()) throw Error("cannot write " + file);
}

}  // namespace vdc::libvirt
