// Bundles written and read back, and hostile ones refused whole. Hostile
// archives are made here with libarchive's writer, member by member.
#include <gtest/gtest.h>

#include <archive.h>
#include <archive_entry.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bundle/reader.h"
#include "bundle/sparse_file.h"
#include "bundle/writer.h"
#include "base/error.h"
#include "engine/hash.h"
#include "engine/test_support.h"
#include "base/text.h"
#include "support/archive_handles.h"

namespace vdc::bundle {

namespace {

namespace fs = std::filesystem;

Descriptor descriptor(uint64_t diskSize) {
  Descriptor d;
  d.vdcVersion = "0.1.0";
  d.vdc = "shop";
  d.sourceTarget = "laptop";
  d.createdAt = "2026-11-25T12:00:00Z";
  d.resources = {"VirtualDataCenter/shop", "Volume/data"};
  d.disks = {{{Kind::Volume, "data"}, "raw", diskSize}};
  return d;
}

struct Member {
  std::string path;
  std::string contents;
  unsigned type = AE_IFREG;
  std::string link;     // symlink target, or hardlink target when `hard`
  bool hard = false;
  int64_t size = -1;    // the header's size when it lies
};

std::string sums(const std::vector<Member>& members) {
  std::string text;
  for (const auto& m : members) text += "SHA256 (" + m.path + ") = " + sha256Hex(m.contents) + "\n";
  return text;
}

// A tar archive of exactly these members.
void writeTar(const fs::path& file, const std::vector<Member>& members) {
  ArchiveWriter held(archive_write_new());
  archive* a = held.get();
  archive_write_set_format_pax_restricted(a);
  ASSERT_EQ(archive_write_open_filename(a, file.c_str()), ARCHIVE_OK);
  for (const auto& m : members) {
    ArchiveEntry entry(archive_entry_new());
    archive_entry* e = entry.get();
    archive_entry_set_pathname(e, m.path.c_str());
    archive_entry_set_filetype(e, m.type);
    archive_entry_set_perm(e, 0644);
    if (!m.link.empty() && m.hard) archive_entry_set_hardlink(e, m.link.c_str());
    else if (!m.link.empty()) archive_entry_set_symlink(e, m.link.c_str());
    archive_entry_set_size(e, m.size >= 0 ? m.size : static_cast<int64_t>(m.contents.size()));
    archive_write_header(a, e);
    if (m.type == AE_IFREG && m.link.empty()) archive_write_data(a, m.contents.data(), m.contents.size());
  }
  archive_write_close(a);
}

class Bundles : public ::testing::Test {
 protected:
  // A well-formed bundle's members, to spoil one at a time.
  std::vector<Member> good() {
    return {{kDescriptorMember, descriptor(disk.size()).toJson().dump()},
            {"manifests/vdc.yaml", "kind: VirtualDataCenter\n"},
            {"manifests/net/front.yaml", "kind: Network\n"},
            {"disks/Volume/data", disk}};
  }

  // verifyBundle's refusal of these members (with SHA256SUMS last unless `sumsOf` is given).
  std::string refusal(std::vector<Member> members, std::optional<std::vector<Member>> sumsOf = std::nullopt) {
    members.push_back({kDigestsMember, sums(sumsOf ? *sumsOf : members)});
    writeTar(file(), members);
    try {
      verifyBundle(file().string());
    } catch (const Error& e) {
      return e.what();
    }
    return "accepted";
  }

  fs::path file() const { return dir.path() / "shop.vdcb"; }

  testing::TempDir dir;
  std::string disk = std::string(3 << 20, 'd') + "end";
};

}  // namespace

TEST_F(Bundles, WrittenThenVerifiedThenUnpacked) {
  BundleWriter writer(file().string());
  writer.add(kDescriptorMember, descriptor(disk.size()).toJson().dump());
  writer.add("manifests/vdc.yaml", "kind: VirtualDataCenter\n");
  writer.add("manifests/net/front.yaml", "kind: Network\n");
  size_t offset = 0;
  writer.add("disks/Volume/data", disk.size(), [&](char* buffer, size_t capacity) {
    size_t n = std::min(capacity, disk.size() - offset);
    std::copy_n(disk.data() + offset, n, buffer);
    offset += n;
    return n;
  });
  EXPECT_FALSE(fs::exists(file()));  // only once finished
  writer.finish();

  Contents contents = verifyBundle(file().string());
  EXPECT_EQ(contents.descriptor.vdc, "shop");
  EXPECT_EQ(contents.manifests, (std::vector<std::string>{"manifests/vdc.yaml", "manifests/net/front.yaml"}));
  std::string received;
  unpackBundle(file().string(), contents, (dir.path() / "into").string(),
               [&](const Disk& d, const BundleWriter::Source& read) {
                 EXPECT_EQ(d.id, (ResourceId{Kind::Volume, "data"}));
                 char buffer[4096];
                 for (size_t n; (n = read(buffer, sizeof buffer)) > 0;) received.append(buffer, n);
               });
  EXPECT_EQ(received, disk);
  // It holds manifests and disks: its maker's alone.
  EXPECT_EQ(fs::status(file()).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(testing::readFile(dir.path() / "into" / "net" / "front.yaml"), "kind: Network\n");
  // Into a directory that exists: refused, and it is left as it was.
  EXPECT_THROW(unpackBundle(file().string(), contents, (dir.path() / "into").string(), nullptr), Error);
}

// A 64 MiB raw disk with 1 MiB of data in its middle and a few bytes at its
// end: the bundle holds the data only, and every reader gives back the disk.
TEST_F(Bundles, ADisksHolesStayHolesInTheBundle) {
  const uint64_t size = 64 << 20;
  std::string middle(1 << 20, 'm');
  auto byteAt = [&](uint64_t at) -> char {
    if (at >= (20 << 20) && at < (20 << 20) + middle.size()) return 'm';
    return at >= size - 3 ? 'e' : 0;
  };
  Sha256 expected;
  std::string whole;
  for (uint64_t at = 0; at < size; ++at) whole.push_back(byteAt(at));
  expected.update(whole);
  std::string digest = expected.hex();

  BundleWriter writer(file().string());
  writer.add(kDescriptorMember, descriptor(size).toJson().dump());
  uint64_t offset = 0;
  writer.add("disks/Volume/data", size, [&](char* buffer, size_t capacity) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(capacity, size - offset));
    std::copy_n(whole.data() + offset, n, buffer);
    offset += n;
    return n;
  });
  writer.finish();
  EXPECT_LT(fs::file_size(file()), 4u << 20) << "the holes were written out";
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".disk-"), std::string::npos) << "a spool was left behind";

  Contents contents = verifyBundle(file().string());
  EXPECT_EQ(contents.digests.at("disks/Volume/data"), digest);
  Sha256 received;
  uint64_t count = 0;
  unpackBundle(file().string(), contents, (dir.path() / "into").string(),
               [&](const Disk&, const BundleWriter::Source& read) {
                 std::vector<char> buffer(1 << 20);
                 for (size_t n; (n = read(buffer.data(), buffer.size())) > 0; count += n) received.update({buffer.data(), n});
               });
  EXPECT_EQ(count, size);
  EXPECT_EQ(received.hex(), digest);
  // GNU tar reads the sparse member too.
  std::string command = "tar -xOf '" + file().string() + "' disks/Volume/data | sha256sum > '" +
                        (dir.path() / "tar.sum").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(testing::readFile(dir.path() / "tar.sum").substr(0, 64), digest);
}

TEST(HoleWriter, RunsOfZerosAreLeftUnallocatedAndMappedBack) {
  testing::TempDir dir;
  std::string path = (dir.path() / "disk").string();
  FileDescriptor fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600));
  ASSERT_GE(fd.get(), 0);
  HoleWriter holes(fd.get());
  holes.write(std::string(4 << 20, '\0'));
  holes.write(std::string(1 << 20, 'x'));
  holes.write(std::string(3 << 20, '\0'));
  holes.finish();
  EXPECT_EQ(holes.written(), 8u << 20);
  EXPECT_EQ(fs::file_size(path), 8u << 20);
  struct stat st {};
  ASSERT_EQ(fstat(fd.get(), &st), 0);
  EXPECT_LT(st.st_blocks * 512, 2 << 20) << "the zeros were written";
  EXPECT_EQ(dataExtents(fd.get(), 8 << 20), (std::vector<Extent>{{4 << 20, 1 << 20}}));
  EXPECT_EQ(testing::readFile(path), std::string(4 << 20, '\0') + std::string(1 << 20, 'x') + std::string(3 << 20, '\0'));
}

TEST_F(Bundles, AnExportThatFailsLeavesNoBundle) {
  {
    BundleWriter writer(file().string());
    writer.add(kDescriptorMember, "{}");
    EXPECT_THROW(writer.add("disks/Volume/data", 10, [](char*, size_t) { return size_t{0}; }), Error);
  }
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_FALSE(entry.path().filename().string().starts_with("shop.vdcb")) << entry.path();
}

TEST_F(Bundles, MembersThatEscapeOrAreNotPlainFilesAreRefused) {
  for (std::string path : {"../outside", "/etc/passwd", "manifests/../../x.yaml", "manifests//x.yaml", "elsewhere/x",
                           // only manifests and disks, and nothing that hides
                           "manifests/.git/config.yaml", "manifests/.vdc/sim.yaml", "manifests/net/.hidden.yaml",
                           "manifests/run.sh", "manifests/x.yaml.sh", "manifests", "manifests/a\\b.yaml",
                           "manifests/a\x1b[2J.yaml", "disks/Volume", "disks/Volume/data/more", "disks/.x/data",
                           "vdc-bundle.json/x", "SHA256SUMS.yaml", "./vdc-bundle.json"}) {
    auto members = good();
    members.push_back({path, "x"});
    EXPECT_NE(refusal(members).find("member '" + printable(path) + "' is not a path a bundle may hold"),
              std::string::npos)
        << path;
  }
  auto symlink = good();
  symlink.push_back({"manifests/link.yaml", "", AE_IFLNK, "/etc/passwd"});
  EXPECT_NE(refusal(symlink).find("'manifests/link.yaml' is not a plain file"), std::string::npos);
  auto hardlink = good();
  hardlink.push_back({"manifests/hard.yaml", "", AE_IFREG, "manifests/vdc.yaml", true});
  EXPECT_NE(refusal(hardlink).find("'manifests/hard.yaml' is not a plain file"), std::string::npos);
  auto device = good();
  device.push_back({"manifests/dev.yaml", "", AE_IFCHR});
  EXPECT_NE(refusal(device).find("is not a plain file"), std::string::npos);
}

TEST_F(Bundles, DigestsMustAllBeThereAndRight) {
  auto members = good();
  auto wrong = members;
  wrong[1].contents = "kind: Network\n";  // not what was digested
  EXPECT_NE(refusal(wrong, members).find("member 'manifests/vdc.yaml' has sha256 "), std::string::npos);
  auto missing = members;
  missing.pop_back();
  EXPECT_NE(refusal(members, missing).find("member 'disks/Volume/data' has no digest"), std::string::npos);
  auto extra = members;
  extra.push_back({"manifests/gone.yaml", "x"});
  EXPECT_NE(refusal(members, extra).find("lists 'manifests/gone.yaml', which is not in it"), std::string::npos);
  writeTar(file(), members);  // no SHA256SUMS at all
  EXPECT_THROW(verifyBundle(file().string()), Error);
}

TEST_F(Bundles, DisksMustBeAsLargeAsDeclaredAndDeclared) {
  auto larger = good();
  larger[3].contents = disk + std::string(1 << 20, 'x');
  EXPECT_NE(refusal(larger).find("disk 'disks/Volume/data' holds " + std::to_string(disk.size() + (1 << 20)) +
                                 " bytes; the descriptor says " + std::to_string(disk.size())),
            std::string::npos);
  auto undeclared = good();
  undeclared.push_back({"disks/Image/base", "x"});
  EXPECT_NE(refusal(undeclared).find("disk 'disks/Image/base' is not in the descriptor"), std::string::npos);
  auto absent = good();
  absent.pop_back();
  EXPECT_NE(refusal(absent).find("is in the descriptor but not in the bundle"), std::string::npos);
  auto huge = good();
  huge[1].contents = std::string(17 << 20, '#');
  EXPECT_NE(refusal(huge).find("'manifests/vdc.yaml' is too large"), std::string::npos);
}

TEST_F(Bundles, TruncatedArchivesAndUnknownDescriptorsAreRefused) {
  auto members = good();
  members.push_back({kDigestsMember, sums(members)});
  writeTar(file(), members);
  fs::resize_file(file(), fs::file_size(file()) / 2);
  try {
    verifyBundle(file().string());
    FAIL() << "a truncated bundle was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }

  auto future = good();
  Json newer = descriptor(disk.size()).toJson();
  newer["formatVersion"] = 2;
  future[0].contents = newer.dump();
  EXPECT_NE(refusal(future).find("is of format version 2; this vdc reads version 1"), std::string::npos);
  auto late = good();
  std::swap(late[0], late[1]);
  EXPECT_NE(refusal(late).find("vdc-bundle.json must come first"), std::string::npos);
  auto lying = good();
  lying[1].size = 1 << 10;  // more than was written: the rest is padding, which its digest does not cover
  EXPECT_NE(refusal(lying, good()).find("member 'manifests/vdc.yaml' has sha256"), std::string::npos);
}

TEST_F(Bundles, TheVdcsNameMustBeADnsLabelBeforeItNamesADirectory) {
  for (std::string name : {std::string("../escape"), std::string("a/b"), std::string(".git"), std::string("."), std::string(), std::string("Shop"), std::string("shop\n"), std::string(64, 'a'), std::string("-shop"),
                           std::string("/etc")}) {
    auto members = good();
    Json spoiled = descriptor(disk.size()).toJson();
    spoiled["vdc"] = name;
    members[0].contents = spoiled.dump();
    EXPECT_NE(refusal(members).find("is not a DNS label"), std::string::npos) << printable(name);
  }
  for (const auto& [field, value] : {std::pair{"resources", Json::array({"../x"})},
                                     std::pair{"resources", Json::array({"Nothing/x"})},
                                     std::pair{"sourceTarget", Json(std::string(300, 's'))},
                                     std::pair{"disks", Json::array({{{"kind", "Volume"}, {"name", "data"},
                                                                      {"format", "vmdk"}, {"size", 1},
                                                                      {"member", "disks/Volume/data"}}})}}) {
    auto members = good();
    Json spoiled = descriptor(disk.size()).toJson();
    spoiled[field] = value;
    members[0].contents = spoiled.dump();
    EXPECT_NE(refusal(members).find("vdc-bundle.json is malformed"), std::string::npos) << field << " " << value;
  }
}

TEST_F(Bundles, ADiskSizeThatIsNotACountIsRefused) {
  for (const Json& size : {Json(1e300), Json(-1), Json(3.5), Json("12")}) {
    auto members = good();
    Json spoiled = descriptor(disk.size()).toJson();
    spoiled["disks"][0]["size"] = size;
    members[0].contents = spoiled.dump();
    EXPECT_NE(refusal(members).find("vdc-bundle.json is malformed"), std::string::npos) << size;
  }
}

TEST(DigestList, IsReadLinearlyAndEveryMalformedLineIsAnError) {
  std::string digest(64, 'a');
  auto listed = parseDigestList("SHA256 (manifests/a (1).yaml) = " + digest + "\nSHA256 (x) = " + digest + "\n");
  EXPECT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed.at("manifests/a (1).yaml"), digest);
  for (const std::string& line :
       {"SHA256 (x) = " + std::string(64, 'A'), "SHA256 (x) = " + std::string(63, 'a'), "SHA256 (x)= " + digest,
        "SHA256(x) = " + digest, "MD5 (x) = " + digest, "SHA256 (x) = " + digest + " ", std::string("garbage"),
        "SHA256 (" + std::string(1 << 20, '(') + ") = " + digest, std::string(1 << 20, 'S')}) {
    try {
      parseDigestList(line + "\n");
      ADD_FAILURE() << "accepted " << line.substr(0, 80);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("SHA256SUMS line 1 is malformed"), std::string::npos) << e.what();
      EXPECT_LT(std::string(e.what()).size(), 2000u) << "a megabyte line is not echoed whole";
    }
  }
  EXPECT_THROW(parseDigestList("SHA256 (x) = " + digest + "\nSHA256 (x) = " + digest + "\n"), Error);
}

// A bundle of a few kilobytes whose one disk is a sparse member of `size`, all hole.
void writeHollowBundle(const fs::path& file, const Descriptor& descriptor, uint64_t size) {
  ArchiveWriter held(archive_write_new());
  archive* a = held.get();
  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_filename(a, file.c_str()) != ARCHIVE_OK) throw Error("cannot write " + file.string());
  auto add = [&](const std::string& path, const std::string& contents, uint64_t length) {
    ArchiveEntry entry(archive_entry_new());
    archive_entry* e = entry.get();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<int64_t>(length));
    if (length != contents.size()) archive_entry_sparse_add_entry(e, 0, 0);
    archive_write_header(a, e);
    archive_write_data(a, contents.data(), contents.size());
  };
  add(kDescriptorMember, descriptor.toJson().dump(), descriptor.toJson().dump().size());
  add("disks/Volume/data", "", size);
  archive_write_close(a);
}

// Bombs: a few kilobytes that would expand into far more than they are.
TEST_F(Bundles, ABundleThatWouldExpandPastItsRoomIsRefusedBeforeItsDisksAreRead) {
  // A sparse member of a terabyte, all hole, in a bundle of a few kilobytes.
  const uint64_t terabyte = 1ull << 40;
  writeHollowBundle(file(), descriptor(terabyte), terabyte);
  ASSERT_LT(fs::file_size(file()), 64u << 10);
  auto started = std::chrono::steady_clock::now();
  try {
    verifyBundle(file().string(), [] { return DiskRoom{1ull << 30, "the test's target"}; });
    FAIL() << "a terabyte was accepted into a gigabyte";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("its disks declare 1099511627776 bytes; the test's target has room for "
                                         "1073741824"),
              std::string::npos)
        << e.what();
  }
  // Refused at the descriptor: hashing the terabyte would take many minutes.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  // With no room given, a bundle still may not declare more than any target takes.
  Json over = descriptor(disk.size()).toJson();
  over["disks"][0]["size"] = kMaxDiskBytes + 1;
  auto members = good();
  members[0].contents = over.dump();
  EXPECT_NE(refusal(members).find("larger than a bundle may carry"), std::string::npos);
}

// Where there is room for it, a hollow disk is read through, holes and all:
// SIGINT or SIGTERM (the stop flag) ends that within a read.
TEST_F(Bundles, AVerificationStopsSoonAfterItIsInterrupted) {
  const uint64_t terabyte = 1ull << 40;
  writeHollowBundle(file(), descriptor(terabyte), terabyte);
  std::atomic<bool> stop{false};
  std::string error;
  std::thread verifying([&] {
    try {
      verifyBundle(file().string(), [] { return DiskRoom{2ull << 40, "the test's target"}; }, &stop);
    } catch (const Error& e) {
      error = e.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto stopped = std::chrono::steady_clock::now();
  stop = true;
  verifying.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, std::chrono::seconds(1));
  EXPECT_NE(error.find("interrupted while reading 'disks/Volume/data'"), std::string::npos) << error;
}

TEST_F(Bundles, ACompressedBundleIsRefusedBeforeItIsDecompressed) {
  auto members = good();
  members.push_back({kDigestsMember, sums(members)});
  writeTar(file(), members);
  for (const auto& [tool, name] : {std::pair{"gzip", "gzip"}, std::pair{"bzip2", "bzip2"}, std::pair{"xz", "xz"}}) {
    fs::path packed = dir.path() / (std::string("packed.") + tool);
    std::string command = std::string(tool) + " -c '" + file().string() + "' > '" + packed.string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    try {
      verifyBundle(packed.string());
      ADD_FAILURE() << tool << " was read";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("it is compressed (") + name + "); a bundle is a plain tar"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST_F(Bundles, SmallMembersTogetherAreBounded) {
  auto members = good();
  for (int i = 0; i < 5; ++i) members.push_back({"manifests/big" + std::to_string(i) + ".yaml", std::string(15 << 20, '#')});
  EXPECT_NE(refusal(members).find("hold more than 67108864 bytes"), std::string::npos);
}

}  // namespace vdc::bundle
