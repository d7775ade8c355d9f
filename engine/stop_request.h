// A stop asked of the whole process: the first SIGINT or SIGTERM (the CLI's
// handlers set it). Nothing new starts and short steps finish; a long one
// (a disk's bytes copied, an image downloaded or hashed, a bundle read)
// checks it at each piece and gives up within a second, undoing what it
// began, so a re-run starts it afresh.
#pragma once

#include <atomic>
#include <string>

namespace vdc {

// The flag itself: lock-free, so a signal handler may set it.
std::atomic<bool>& stopRequest();

// Whether a long step should stop now: a stop was asked, and no step that
// must run to its end is under way.
bool longStepsStop();

// Throws Error("interrupted while WHAT") when longStepsStop().
void throwIfStopRequested(const std::string& what);

// While one lives, long steps do not stop: the undo of an atomic apply,
// which is what answers a stop, runs to its end. Process-wide, as the stop
// is (applies run on many threads): another apply of the same process
// (vdc serve's VDCs) meanwhile finishes its copies too.
class LongStepsFinish {
 public:
  LongStepsFinish();
  ~LongStepsFinish();
  LongStepsFinish(const LongStepsFinish&) = delete;
  LongStepsFinish& operator=(const LongStepsFinish&) = delete;
};

}  // namespace vdc
