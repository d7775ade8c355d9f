// One writer at a time per VDC: a lease on the VDC's lock, held where every
// writer meets (a file beside an embedded datacenter, an object on a libvirt
// host, a key in etcd), and the fencing token that comes with each
// acquisition. docs/robustness.md states what this guarantees.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace vdc {

// Grows with every acquisition of one VDC's lock from one issuer. Tokens of
// different issuers (a team that moves its locks from the host to etcd) are
// not compared.
struct FencingToken {
  std::string issuer;  // "file", "host", "etcd-CLUSTER_ID"
  uint64_t value = 0;
  std::string str() const { return issuer + ":" + std::to_string(value); }
  // True when a write fenced by `recorded` means this token's holder came too late.
  bool supersededBy(const FencingToken& recorded) const { return recorded.issuer == issuer && recorded.value > value; }
};

// A held lock. Released when destroyed.
class Lease {
 public:
  virtual ~Lease() = default;
  virtual FencingToken token() const = 0;
  // Throws Error when the lease is no longer held (it was not renewed in
  // time, or another writer took it over): the holder must stop writing.
  virtual void check() const = 0;
};
using LeasePtr = std::unique_ptr<Lease>;

// Where the locks of a datacenter's VDCs are held.
class LockService {
 public:
  virtual ~LockService() = default;
  // Takes the lock of `vdc` for `purpose` ("vdc apply"), or returns null and
  // sets `holder` to who has it. Throws Error when the service cannot be
  // reached: then nothing may be applied.
  virtual LeasePtr tryAcquire(const std::string& vdc, const std::string& purpose, std::string& holder) = 0;
};

// The token of the next acquisition after `last`, for a lock that keeps
// its own count: above the last, and above the time now in microseconds,
// so a count that went missing (a deleted lock file, a lock taken over
// half-way) does not start again below what the VDC's record carries.
uint64_t nextToken(uint64_t last);

// Who takes a lock, as its holder is shown to others:
// "vdc apply (pid 42 on laptop, user ana, since 2026-12-01T09:00:00Z)".
std::string holderText(const std::string& purpose);
// A holder's text as read back from where writers meet, where anyone with
// access may have written it: one printable line of at most 300 bytes, or
// "another vdc process" when there is none.
std::string shownHolder(std::string_view text);

// A lease that must be renewed before it expires: a thread renews it every
// third of its duration, counted from when the last renewal (or the taking)
// began. It counts as lost once a renewal fails for good
// (another writer holds it), or when no renewal succeeded for four fifths
// of its duration, as measured on this machine's steady clock from when the
// last one began: the holder stops a fifth of the lease before any other
// writer may take it, which leaves room for clocks that drift apart. A
// lease once lost stays lost: a renewal that ends past those four fifths
// does not count (another writer may have taken the lock meanwhile).
class RenewedLease : public Lease {
 public:
  using Clock = std::chrono::steady_clock;
  // `acquiredAt`: when the write that took the lease began.
  RenewedLease(FencingToken token, std::chrono::milliseconds duration, Clock::time_point acquiredAt)
      : token_(std::move(token)), duration_(duration), renewedAt_(acquiredAt) {}
  ~RenewedLease() override { stopRenewing(); }

  FencingToken token() const override { return token_; }
  void check() const override;

  // The renewals that succeeded so far, the time they took together, and
  // the longest one.
  struct Renewals {
    int count = 0;
    double seconds = 0, longest = 0;
  };
  Renewals renewals() const;

 protected:
  // Writes the lease anew. Returns false when it is known lost (another
  // writer holds it); throws when the service cannot be reached (the next
  // try may pass).
  virtual bool renew() = 0;
  std::chrono::milliseconds duration() const { return duration_; }
  // A subclass starts renewing at the end of its constructor, and stops
  // first thing in its destructor: renew() runs on another thread.
  void startRenewing();
  void stopRenewing();

 private:
  void renewLoop();

  FencingToken token_;
  std::chrono::milliseconds duration_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false, lost_ = false;
  std::string lostWhy_, lastFailure_;
  Clock::time_point renewedAt_;
  Renewals renewals_;
  std::thread renewer_;
};

}  // namespace vdc
