// Why an operation did not happen, as a value its caller can decide on: the
// command line prints it and exits 1, a controller retries what may pass on
// a later try and reports the rest, a server maps it to a status code.
#pragma once

#include <string>

#include "base/error.h"

namespace vdc::operations {

enum class FailureKind {
  Invalid,  // the input (manifests, a Target, a bundle, a saved plan) is wrong: fix it
  Locked,   // another writer holds the VDC: try again later
  Stale,    // a saved plan no longer matches the target: plan again
  Refused,  // the target cannot hold the VDC as planned (room, addresses, placement)
};

// Retrying as is may succeed (the lock is freed); otherwise something must change first.
inline bool retryable(FailureKind kind) { return kind == FailureKind::Locked; }

// An operation stopped before it changed anything. `problems` holds each
// problem with its place when there are several (a VDC that does not
// validate); the message then follows them ("2 errors; nothing was changed.").
class Failure : public Error {
 public:
  Failure(FailureKind kind, std::string message) : Error(std::move(message)), kind_(kind) {}
  Failure(FailureKind kind, Diagnostics problems, std::string message)
      : Error(std::move(message)), kind_(kind), problems_(std::move(problems)) {}
  FailureKind kind() const { return kind_; }
  const Diagnostics& problems() const { return problems_; }

 private:
  FailureKind kind_;
  Diagnostics problems_;
};

// Whether the same call, tried again as it is, may pass: a Failure by its
// kind, anything else as base/error.h's mayPassAsIs says.
inline bool retryable(const std::exception& failure) {
  if (const auto* refused = dynamic_cast<const Failure*>(&failure)) return retryable(refused->kind());
  return mayPassAsIs(failure);
}

}  // namespace vdc::operations
