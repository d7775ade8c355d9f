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

// Throws Error("interrupted while WHAT") once a stop is asked.
void throwIfStopRequested(const std::string& what);

}  // namespace vdc
