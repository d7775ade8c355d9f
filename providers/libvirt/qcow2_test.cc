// The backing file name in a qcow2 header, on a header laid out as qemu-img
// lays it out: the fixed fields, then the name, in the first cluster.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/error.h"
#include "engine/test_support.h"
#include "providers/libvirt/qcow2.h"

namespace vdc::libvirt {

namespace {

void put(std::string& bytes, size_t at, size_t width, uint64_t value) {
  for (size_t i = width; i-- > 0; value >>= 8) bytes[at + i] = static_cast<char>(value & 0xff);
}

// A version 3 header with 512-byte clusters naming `backing` at offset 112,
// and a data cluster after it that must stay as it is.
std::string qcow2(const std::string& backing) {
  std::string bytes(1024, '\0');
  bytes.replace(0, 4, std::string("QFI\xfb", 4));
  put(bytes, 4, 4, 3);                 // version
  put(bytes, 8, 8, 112);               // backing_file_offset
  put(bytes, 16, 4, backing.size());   // backing_file_size
  put(bytes, 20, 4, 9);                // cluster_bits: 512-byte clusters
  put(bytes, 100, 4, 112);             // header_length
  bytes.replace(112, backing.size(), backing);
  bytes.replace(512, 4, "DATA");
  return bytes;
}

std::string read(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST(Qcow2, TheBackingFileIsReadAndPointedElsewhere) {
  testing::TempDir dir;
  std::string file = (dir.path() / "child.qcow2").string();
  dir.write("child.qcow2", qcow2("/var/lib/libvirt/images/a-long-path-on-the-source-host/shop.img.debian"));
  EXPECT_EQ(qcow2BackingFile(file), "/var/lib/libvirt/images/a-long-path-on-the-source-host/shop.img.debian");

  setQcow2BackingFile(file, "/srv/pools/shop.img.debian");
  EXPECT_EQ(qcow2BackingFile(file), "/srv/pools/shop.img.debian");
  std::string bytes = read(file);
  EXPECT_EQ(bytes.size(), 1024u);
  EXPECT_EQ(bytes.substr(112 + 26, 64 - 26), std::string(64 - 26, '\0'));  // no trace of the old, longer name
  EXPECT_EQ(bytes.substr(512, 4), "DATA");

  // A longer name, still within the first cluster; then one that is not.
  std::string longer = "/" + std::string(300, 'p') + "/shop.img.debian";
  setQcow2BackingFile(file, longer);
  EXPECT_EQ(qcow2BackingFile(file), longer);
  EXPECT_THROW(setQcow2BackingFile(file, "/" + std::string(500, 'q')), Error);
  EXPECT_EQ(qcow2BackingFile(file), longer);
}

TEST(Qcow2, FilesWithoutABackingFileOrNotQcow2HaveNone) {
  testing::TempDir dir;
  dir.write("raw.img", std::string(1024, 'x'));
  dir.write("alone.qcow2", qcow2(""));
  EXPECT_EQ(qcow2BackingFile((dir.path() / "raw.img").string()), std::nullopt);
  EXPECT_EQ(qcow2BackingFile((dir.path() / "alone.qcow2").string()), std::nullopt);
  EXPECT_THROW(setQcow2BackingFile((dir.path() / "raw.img").string(), "/x"), Error);
}

}  // namespace vdc::libvirt
