#include "base/file_descriptor.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <vector>

namespace vdc {

namespace {

bool isOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

TEST(FileDescriptor, ClosesWhatItHoldsOnceWhereverItMoved) {
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  {
    std::vector<FileDescriptor> held;
    FileDescriptor first(fd);
    held.push_back(std::move(first));
    EXPECT_FALSE(first);
    held.reserve(8);  // moved again inside the vector
    EXPECT_EQ(held[0].get(), fd);
    EXPECT_TRUE(isOpen(fd));
  }
  EXPECT_FALSE(isOpen(fd));
}

TEST(FileDescriptor, AssignedClosesWhatItHeldBefore) {
  int a = ::open("/dev/null", O_RDONLY | O_CLOEXEC), b = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  FileDescriptor held(a);
  held = FileDescriptor(b);
  EXPECT_FALSE(isOpen(a));
  EXPECT_TRUE(isOpen(b));
  EXPECT_TRUE(held.close());
  EXPECT_FALSE(isOpen(b));
  EXPECT_TRUE(held.close()) << "closing nothing is no error";
}

TEST(FileDescriptor, ReleasedIsTheCallersToClose) {
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  {
    FileDescriptor held(fd);
    EXPECT_EQ(held.release(), fd);
  }
  EXPECT_TRUE(isOpen(fd));
  FileDescriptor(fd).reset();
  EXPECT_FALSE(isOpen(fd));
}

}  // namespace

}  // namespace vdc
