// Host tools are run by argument vector: what a name holds is never shell.
#include "support/process.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "engine/test_support.h"

namespace vdc {

TEST(Process, ArgumentsAreNeverReadByAShell) {
  testing::TempDir dir;
  std::string hostile = (dir.path() / "a; touch pwned; $(touch pwned2) `touch pwned3`").string();
  ProcessResult run = runProcess({"touch", hostile});
  EXPECT_EQ(run.exit, 0) << run.errors;
  EXPECT_TRUE(std::filesystem::exists(hostile));
  for (const char* name : {"pwned", "pwned2", "pwned3"}) EXPECT_FALSE(std::filesystem::exists(name)) << name;
}

TEST(Process, InputGoesInAndErrorsComeBack) {
  testing::TempDir dir;
  std::string file = (dir.path() / "out").string();
  std::string big(1 << 20, 'x');  // more than a pipe holds, while the tool also writes to standard error
  ProcessResult copied = runProcess({"dd", "of=" + file, "bs=4096"}, big);
  EXPECT_EQ(copied.exit, 0) << copied.errors;
  EXPECT_EQ(testing::readFile(file), big);
  ProcessResult failed = runProcess({"ls", (dir.path() / "missing").string()});
  EXPECT_NE(failed.exit, 0);
  EXPECT_NE(failed.errors.find("No such file"), std::string::npos) << failed.errors;
  EXPECT_THROW(runProcess({"no-such-tool-anywhere"}), Error);
}

}  // namespace vdc
