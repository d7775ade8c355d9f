#include "engine/lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/test_support.h"

namespace vdc {

TEST(Lock, SecondHolderIsRefusedAndToldWhoHoldsIt) {
  testing::TempDir dir;
  FileLocks locks(dir.path().string());
  std::string holder;
  auto first = locks.tryAcquire("shop", "vdc apply", holder);
  ASSERT_TRUE(first);
  // flock is per open file description: a second open in this process conflicts too.
  auto second = locks.tryAcquire("shop", "vdc apply", holder);
  EXPECT_FALSE(second);
  EXPECT_NE(holder.find("vdc apply (pid " + std::to_string(getpid())), std::string::npos) << holder;
  EXPECT_NE(holder.find(", user "), std::string::npos) << holder;
  EXPECT_TRUE(locks.tryAcquire("other", "vdc apply", holder)) << "one VDC's lock held another's";
}

TEST(Lock, ReleasedOnDestructionAndEachHolderGetsAGreaterToken) {
  testing::TempDir dir;
  FileLocks locks(dir.path().string());
  std::string holder;
  uint64_t last = 0;
  for (int i = 0; i < 3; ++i) {
    auto lock = locks.tryAcquire("shop", "a", holder);
    ASSERT_TRUE(lock);
    EXPECT_EQ(lock->token().issuer, "file");
    EXPECT_GT(lock->token().value, last);
    last = lock->token().value;
    EXPECT_NO_THROW(lock->check());
  }
}

TEST(Lock, ALockLeftByAKilledProcessIsFreeAndItsTokenIsPassed) {
  testing::TempDir dir;
  FileLocks locks(dir.path().string());
  pid_t child = fork();
  if (child == 0) {
    std::string holder;
    auto lock = locks.tryAcquire("shop", "doomed", holder);
    _exit(lock ? 0 : 1);  // dies holding the lock, without releasing it
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  std::string holder;
  auto next = locks.tryAcquire("shop", "next", holder);
  ASSERT_TRUE(next);
  EXPECT_GT(next->token().value, 1u);
}

TEST(Lock, TheTokenGrowsPastTheLastOneAndAcrossADeletedFile) {
  testing::TempDir dir;
  FileLocks locks(dir.path().string());
  std::string holder;
  uint64_t first = 0;
  {
    auto lock = locks.tryAcquire("shop", "vdc apply", holder);
    ASSERT_TRUE(lock);
    first = lock->token().value;
  }
  std::filesystem::remove(locks.pathOf("shop"));
  {
    auto lock = locks.tryAcquire("shop", "vdc apply", holder);
    ASSERT_TRUE(lock);
    EXPECT_GT(lock->token().value, first);
  }
  // A count far ahead (written by a clock that ran fast) is passed too.
  std::ofstream(locks.pathOf("shop")) << "token 99999999999999999\n";
  auto lock = locks.tryAcquire("shop", "vdc apply", holder);
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->token().value, 100000000000000000u);
}

TEST(Lock, AHolderWrittenByAnyoneIsShownAsOnePrintableLine) {
  testing::TempDir dir;
  FileLocks locks(dir.path().string());
  std::string holder;
  auto held = locks.tryAcquire("shop", "vdc apply", holder);
  ASSERT_TRUE(held);
  std::ofstream(locks.pathOf("shop")) << "token 3\n\x1b]0;owned\x07" << std::string(400, 'x') << "\n";
  EXPECT_FALSE(locks.tryAcquire("shop", "vdc apply", holder));
  EXPECT_EQ(holder.find('\x1b'), std::string::npos) << holder;
  EXPECT_LT(holder.size(), 400u);
  EXPECT_TRUE(holder.starts_with("\\x1B]0;owned\\x07xxx")) << holder;
}

TEST(FencingToken, OnlyALaterTokenOfTheSameIssuerSupersedes) {
  FencingToken mine{"host", 5};
  EXPECT_TRUE(mine.supersededBy({"host", 6}));
  EXPECT_FALSE(mine.supersededBy({"host", 5}));
  EXPECT_FALSE(mine.supersededBy({"host", 4}));
  EXPECT_FALSE(mine.supersededBy({"etcd", 600}));
}

}  // namespace vdc
