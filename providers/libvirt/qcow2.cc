#include "providers/libvirt/qcow2.h"

#include <cstdint>
#include <fstream>
#include <vector>

#include "engine/error.h"

namespace vdc::libvirt {

namespace {

// Header fields, big-endian, at these offsets (the same in versions 2 and 3).
constexpr size_t kBackingOffset = 8, kBackingSize = 16, kClusterBits = 20, kHeaderEnd = 72;

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
  return bytes.size() >= kHeaderEnd && std::string(bytes.data(), 4) == std::string("QFI\xfb", 4);
}

}  // namespace

bool isQcow2File(const std::string& file) { return isQcow2(head(file, kHeaderEnd)); }

std::optional<std::string> qcow2BackingFile(const std::string& file) {
  std::vector<char> header = head(file, kHeaderEnd);
  if (!isQcow2(header)) return std::nullopt;
  uint64_t offset = bigEndian(header, kBackingOffset, 8), size = bigEndian(header, kBackingSize, 4);
  if (offset == 0 || size == 0) return std::nullopt;
  std::vector<char> name = head(file, offset + size);
  if (name.size() != offset + size) throw Error(file + ": its qcow2 header names a backing file past its end");
  return std::string(name.data() + offset, size);
}

void setQcow2BackingFile(const std::string& file, const std::string& backing) {
  std::vector<char> header = head(file, kHeaderEnd);
  if (!isQcow2(header)) throw Error(file + " is not a qcow2 file");
  uint64_t cluster = uint64_t{1} << bigEndian(header, kClusterBits, 4);
  uint64_t offset = bigEndian(header, kBackingOffset, 8), old = bigEndian(header, kBackingSize, 4);
  if (offset == 0) throw Error(file + " has no backing file to point elsewhere");
  if (offset + backing.size() > cluster)
    throw Error(file + ": the backing file name " + backing + " does not fit in its qcow2 header");
  std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
  std::vector<char> field(8 + 4);
  putBigEndian(field, 0, 8, offset);
  putBigEndian(field, 8, 4, backing.size());
  io.seekp(kBackingOffset);
  io.write(field.data(), static_cast<std::streamsize>(field.size()));
  // The new name, and zeros over what is left of the old one.
  std::string name = backing + std::string(old > backing.size() ? old - backing.size() : 0, '\0');
  io.seekp(static_cast<std::streamoff>(offset));
  io.write(name.data(), static_cast<std::streamsize>(name.size()));
  if (!io.flush()) throw Error("cannot write " + file);
}

}  // namespace vdc::libvirt
