#include "engine/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "base/error.h"

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

TEST(Parallel, ConsumesInOrderWithinTheWindow) {
  std::vector<int> produced(500, 0);
  std::atomic<size_t> highest{0};
  std::vector<size_t> order;
  bool withinWindow = true;
  parallelInOrder(
      produced.size(),
      [&](size_t i) {
        produced[i] = static_cast<int>(i) * 2;
        for (size_t seen = highest; i > seen && !highest.compare_exchange_weak(seen, i);) {
        }
      },
      [&](size_t i) {
        EXPECT_EQ(produced[i], static_cast<int>(i) * 2);
        // Production never runs more than 8 indexes past what was consumed.
        if (highest >= i + 8) withinWindow = false;
        order.push_back(i);
      },
      4, 8);
  ASSERT_EQ(order.size(), produced.size());
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
  EXPECT_TRUE(withinWindow);
}

// Work that waits (on a daemon) runs on the threads asked for, whatever the
// core count: each of four productions waits until all four have started.
TEST(Parallel, ProducesOnTheThreadsAskedFor) {
  std::atomic<int> started{0};
  std::vector<int> sawAll(4, 0);
  parallelInOrder(
      sawAll.size(),
      [&](size_t i) {
        ++started;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (started < 4 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
        sawAll[i] = started == 4;
      },
      [](size_t) {}, 4, 4);
  EXPECT_EQ(std::count(sawAll.begin(), sawAll.end(), 1), 4);
}

TEST(Parallel, InOrderRethrowsFromEitherSide) {
  std::vector<int> consumed;
  EXPECT_THROW(parallelInOrder(
                   100,
                   [](size_t i) {
                     if (i == 42) throw Error("produce");
                   },
                   [&](size_t i) { consumed.push_back(static_cast<int>(i)); }, 3, 5),
               Error);
  EXPECT_LE(consumed.size(), 42u);  // nothing after the failed index
  EXPECT_THROW(parallelInOrder(
                   100, [](size_t) {},
                   [](size_t i) {
                     if (i == 7) throw Error("consume");
                   },
                   3, 5),
               Error);
}

}  // namespace vdc
