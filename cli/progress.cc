#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace vdc::cli {

Progress::Progress(size_t total)
    : total_(total), terminal_(isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  std::lock_guard lock(mutex_);
  clearStatus();
}

void Progress::started(const ResourceId& id, Action, Step) {
  std::lock_guard lock(mutex_);
  inFlight_.insert(id.str());
  drawStatus();
}

void Progress::finished(const Outcome& o) {
  std::lock_guard lock(mutex_);
  inFlight_.erase(o.id.str());
  ++done_;
  clearStatus();
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2fs", o.seconds);
  std::string symbol = o.step == Step::Remove ? "-" : std::string(actionSymbol(o.action));
  if (o.action == Action::Replace) symbol = o.step == Step::Remove ? "-" : "+";
  std::cerr << "  " << symbol << " " << o.id.str() << ": " << describeOutcome(o);
  if (o.status == Status::Done || o.status == Status::Failed) std::cerr << " (" << seconds << ")";
  std::cerr << "\n";
  drawStatus();
}

void Progress::clearStatus() {
  if (terminal_ && statusShown_) std::cerr << "\r\033[K" << std::flush;
  statusShown_ = false;
}

void Progress::drawStatus() {
  if (!terminal_) return;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  char line[160];
  std::snprintf(line, sizeof line, "[%zu/%zu] %zu in flight, %.1fs", done_, total_, inFlight_.size(), elapsed);
  std::string text = line;
  if (!inFlight_.empty()) text += ": " + *inFlight_.begin();
  if (text.size() > 100) text.resize(100);
  std::cerr << "\r\033[K" << text << std::flush;
  statusShown_ = true;
}

}  // namespace vdc::cli
