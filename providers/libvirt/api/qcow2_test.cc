// The backing file name in a qcow2 header, on a header laid out as qemu-img
// lays it out: the fixed fields, then the name, in the first cluster.
#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "engine/test_support.h"
#include "providers/libvirt/api/qcow2.h"

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

// Every field vdc reads, set as a hostile bundle could set it: each is an
// Error naming the header, never a read past the file, a huge allocation or
// a shift by the input.
TEST(Qcow2, HeadersWithFieldsOutOfBoundsAreRefused) {
  testing::TempDir dir;
  std::string file = (dir.path() / "disk.qcow2").string();
  const std::string name = "/var/lib/libvirt/images/base";
  struct Spoil {
    const char* what;
    size_t at, width;
    uint64_t value;
  };
  const uint64_t most = ~uint64_t{0};
  for (const Spoil& spoil : std::vector<Spoil>{
           {"version 1", 4, 4, 1}, {"version 4", 4, 4, 4}, {"version 2^32-1", 4, 4, 0xffffffff},
           {"cluster_bits 0", 20, 4, 0}, {"cluster_bits 8", 20, 4, 8}, {"cluster_bits 22", 20, 4, 22},
           {"cluster_bits 64", 20, 4, 64}, {"cluster_bits 2^32-1", 20, 4, 0xffffffff},
           {"backing offset 2^64-1", 8, 8, most}, {"backing offset that wraps with its size", 8, 8, most - 8},
           {"backing offset inside the header", 8, 8, 8}, {"backing offset past the first cluster", 8, 8, 600},
           {"backing name of 1024 bytes", 16, 4, 1024}, {"backing name of 2^32-1 bytes", 16, 4, 0xffffffff},
           {"backing name past the cluster", 16, 4, 401}, {"header_length 0", 100, 4, 0},
           {"header_length past the cluster", 100, 4, 4096}, {"an external data file", 72, 8, 1 << 2},
           {"an unknown incompatible feature", 72, 8, uint64_t{1} << 40}}) {
    std::string bytes = qcow2(name);
    put(bytes, spoil.at, spoil.width, spoil.value);
    dir.write("disk.qcow2", bytes);
    EXPECT_THROW(checkQcow2Header(file), Error) << spoil.what;
    EXPECT_THROW(qcow2BackingFile(file), Error) << spoil.what;
    EXPECT_THROW(setQcow2BackingFile(file, "/srv/base"), Error) << spoil.what;
    EXPECT_EQ(read(file), bytes) << spoil.what << ": a refused header was written";
  }
  // A name that fits the cluster but not the file; a version 3 header cut short.
  dir.write("disk.qcow2", qcow2(name).substr(0, 120));
  EXPECT_THROW(qcow2BackingFile(file), Error);
  dir.write("disk.qcow2", qcow2(name).substr(0, 90));
  EXPECT_THROW(checkQcow2Header(file), Error);
  dir.write("disk.qcow2", std::string(1024, 'r'));
  EXPECT_THROW(checkQcow2Header(file), Error) << "not qcow2 at all";
  dir.write("disk.qcow2", qcow2(name));
  EXPECT_NO_THROW(checkQcow2Header(file));
}

}  // namespace vdc::libvirt
