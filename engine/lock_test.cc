#include "engine/lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/test_support.h"

namespace vdc {

TEST(Lock, SecondHolderIsRefusedAndToldWhoHoldsIt) {
  testing::TempDir dir;
  std::string path = (dir.path() / "x.lock").string();
  std::string holder;
  auto first = ApplyLock::tryAcquire(path, "vdc apply", holder);
  ASSERT_TRUE(first);
  // flock is per open file description: a second open in this process conflicts too.
  auto second = ApplyLock::tryAcquire(path, "vdc apply", holder);
  EXPECT_FALSE(second);
  EXPECT_NE(holder.find("vdc apply (pid " + std::to_string(getpid())), std::string::npos) << holder;
}

TEST(Lock, ReleasedOnDestruction) {
  testing::TempDir dir;
  std::string path = (dir.path() / "x.lock").string();
  std::string holder;
  { auto lock = ApplyLock::tryAcquire(path, "a", holder); ASSERT_TRUE(lock); }
  EXPECT_TRUE(ApplyLock::tryAcquire(path, "b", holder));
}

TEST(Lock, ALockLeftByAKilledProcessIsFree) {
  testing::TempDir dir;
  std::string path = (dir.path() / "x.lock").string();
  pid_t child = fork();
  if (child == 0) {
    std::string holder;
    auto lock = ApplyLock::tryAcquire(path, "doomed", holder);
    _exit(lock ? 0 : 1);  // dies holding the lock, without releasing it
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  std::string holder;
  EXPECT_TRUE(ApplyLock::tryAcquire(path, "next", holder));
}

}  // namespace vdc
