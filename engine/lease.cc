#include "engine/lease.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "base/error.h"
#include "base/text.h"

namespace vdc {

std::string holderText(const std::string& purpose) {
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  std::string user = "?";
  if (const passwd* entry = getpwuid(geteuid())) user = entry->pw_name;
  std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return purpose + " (pid " + std::to_string(getpid()) + " on " + host + ", user " + user + ", since " + when + ")";
}

void RenewedLease::startRenewing() {
  renewer_ = std::thread([this] { renewLoop(); });
}

void RenewedLease::stopRenewing() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (renewer_.joinable()) renewer_.join();
}

void RenewedLease::check() const {
  std::lock_guard lock(mutex_);
  if (lost_) throw Error("the lock's lease (token " + token_.str() + ") was lost: " + lostWhy_ + "; stopped before the next operation");
  auto held = Clock::now() - renewedAt_;
  if (held >= duration_ * 4 / 5)
    throw Error("the lock's lease (token " + token_.str() + ") was not renewed for " +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(held).count()) +
                " ms (the lease is " + std::to_string(duration_.count()) + " ms" +
                (lastFailure_.empty() ? "" : "; the last try: " + lastFailure_) +
                "): another writer may hold it now; stopped before the next operation");
}

uint64_t nextToken(uint64_t last) {
  uint64_t micros = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  return std::max(last + 1, micros);
}

std::string shownHolder(std::string_view text) {
  if (text.empty()) return "another vdc process";
  std::string shown = printable(text.substr(0, 300));
  return text.size() > 300 ? shown + "..." : shown;
}

RenewedLease::Renewals RenewedLease::renewals() const {
  std::lock_guard lock(mutex_);
  return renewals_;
}

void RenewedLease::renewLoop() {
  auto every = std::max(duration_ / 3, std::chrono::milliseconds(1));
  auto retry = std::max(duration_ / 10, std::chrono::milliseconds(1));
  std::unique_lock lock(mutex_);
  // A renewal is due a third of the lease after the last one (or the
  // taking) began, however long that took: a slow one does not push the
  // next towards the lease's end.
  auto due = [&] {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(every - (Clock::now() - renewedAt_)),
                    std::chrono::milliseconds(0));
  };
  auto wait = due();
  const auto lapse = duration_ * 4 / 5;
  auto milliseconds = [](Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  while (!wake_.wait_for(lock, wait, [&] { return stopping_ || lost_; })) {
    auto begun = Clock::now();
    if (begun - renewedAt_ >= lapse) {  // lapsed while the last try failed: not to be taken up again
      lost_ = true;
      lostWhy_ = "it was not renewed for " + std::to_string(milliseconds(begun - renewedAt_)) + " ms";
      break;
    }
    lock.unlock();
    bool reached = false, held = false;
    std::string why;
    try {
      held = renew();
      reached = true;
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {  // nothing leaves this thread
      why = "unknown error";
    }
    lock.lock();
    auto ended = Clock::now();
    if (held && ended - renewedAt_ >= lapse) {
      // Written after this holder's own lease had lapsed: another writer may
      // have found it expired and taken it over meanwhile, so it counts as
      // lost for good, never as held again.
      lost_ = true;
      lostWhy_ = "a renewal ended " + std::to_string(milliseconds(ended - renewedAt_)) +
                 " ms after the last one began, past four fifths of the lease";
    } else if (held) {
      renewedAt_ = begun;
      renewals_.count += 1;
      double took = std::chrono::duration<double>(ended - begun).count();
      renewals_.seconds += took;
      renewals_.longest = std::max(renewals_.longest, took);
      wait = due();
    } else if (reached) {
      lost_ = true;
      lostWhy_ = "another writer holds it";
    } else {
      lastFailure_ = why;
      wait = retry;
    }
  }
}

}  // namespace vdc
