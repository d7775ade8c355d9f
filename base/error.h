// The one error type of vdc: a message and, where known, the place in a
// manifest it is about, or the code a C library's failing call gave and
// whether trying again as it is may help. Validation collects many;
// everything else throws one.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace vdc {

struct Location {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown

  bool known() const { return !file.empty(); }
  std::string str() const;  // "FILE:LINE:COL" (or just FILE)
};

class Error : public std::runtime_error {
 public:
  explicit Error(std::string message, Location where = {});
  // From a C library: its code for the failure, read at the failing call.
  Error(std::string message, int code, bool transient);

  const std::string& message() const { return message_; }
  const Location& where() const { return where_; }
  int code() const { return code_; }  // 0: not from a C library
  // A daemon gone or busy, a connection lost: the same call may pass later.
  bool transient() const { return transient_; }
  // The same failure with `context` told before it ("VDC x: ..."): its code and transience kept.
  Error within(const std::string& context) const;

 private:
  std::string message_;
  Location where_;
  int code_ = 0;
  bool transient_ = false;
};

// Whether `failure`, tried again as it is, may pass: an Error says so itself
// (transient()); an exception not vdc's is the machine's (a file system
// full, memory short), which may pass without a change to the input.
bool mayPassAsIs(const std::exception& failure);

// Errors gathered during one pass, reported together, sorted by place.
// Hostile input can make millions: the first kMostKept are kept and shown,
// the rest only counted ("and N more").
class Diagnostics {
 public:
  static constexpr size_t kMostKept = 1000;

  void add(Location where, std::string message);
  void merge(Diagnostics&& other);  // appends all of `other`'s
  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }  // all, kept or not
  const std::vector<Error>& all() const { return errors_; }  // the kept ones
  void sort();
  std::string str() const;  // one "FILE:LINE:COL: message" per line, then "... and N more errors"
  std::string count() const;  // "1 error", "3 errors": all, kept or not
  // Throws one Error with every problem, sorted, one a line; nothing when empty.
  void throwIfAny();

 private:
  std::vector<Error> errors_;
  size_t count_ = 0;
};

}  // namespace vdc
