// Runs fn(0) ... fn(count - 1) on every core. fn must touch only its own
// index's data. An exception thrown by fn stops the work and is rethrown on
// the calling thread: none escapes a worker.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace vdc {

template <typename Fn>
void parallelFor(size_t count, Fn fn) {
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex failureMutex;
  auto work = [&] {
    try {
      for (size_t i; (i = next++) < count;) fn(i);
    } catch (...) {
      std::lock_guard lock(failureMutex);
      if (!failure) failure = std::current_exception();
      next = count;
    }
  };
  size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), count);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

// Runs produce(i) on `threads` threads, never more than `ahead` indexes
// past the last consumed one, and consume(i) on the calling thread in index
// order as each is produced: work that mostly waits (calls to a daemon)
// overlaps with the caller's, in bounded memory. The first exception from
// either side stops the work and is rethrown once every thread is done.
template <typename Produce, typename Consume>
void parallelInOrder(size_t count, Produce produce, Consume consume, size_t threads, size_t ahead) {
  std::mutex mutex;
  std::condition_variable changed;
  size_t next = 0, consumed = 0;
  bool stop = false;
  std::exception_ptr failure;
  std::vector<char> ready(count, 0);  // not vector<bool>: its bits share bytes
  auto fail = [&](std::exception_ptr error) {
    std::lock_guard lock(mutex);
    if (!failure) failure = error;
    stop = true;
    changed.notify_all();
  };
  auto work = [&] {
    for (;;) {
      size_t i;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stop || next >= count || next < consumed + ahead; });
        if (stop || next >= count) return;
        i = next++;
      }
      try {
        produce(i);
      } catch (...) {
        return fail(std::current_exception());
      }
      std::lock_guard lock(mutex);
      ready[i] = 1;
      changed.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 0; t < std::min(std::max<size_t>(threads, 1), count); ++t) pool.emplace_back(work);
  try {
    for (size_t i = 0; i < count; ++i) {
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stop || ready[i]; });
        if (stop) break;
      }
      consume(i);
      std::lock_guard lock(mutex);
      consumed = i + 1;
      changed.notify_all();
    }
  } catch (...) {
    fail(std::current_exception());
  }
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace vdc
