#include "engine/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/error.h"

namespace vdc {

TEST(Parallel, RunsEveryIndexOnceAndRethrowsOnTheCaller) {
  std::vector<int> hits(1000, 0);
  parallelFor(hits.size(), [&](size_t i) { ++hits[i]; });
  EXPECT_EQ(std::count(hits.begin(), hits.end(), 1), 1000);
  EXPECT_THROW(parallelFor(100, [](size_t i) {
                 if (i == 42) throw Error("boom");
               }),
               Error);
}

}  // namespace vdc
