#include "base/error.h"

#include <algorithm>
#include <iterator>
#include <tuple>

#include "base/text.h"

namespace vdc {

std::string Location::str() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

static std::string format(const std::string& message, const Location& where) {
  return where.known() ? printable(where.str()) + ": " + message : message;
}

// Messages quote names, values and paths that came from outside: whatever
// the message, a control byte in it never reaches a terminal or a log raw.
Error::Error(std::string message, Location where)
    : std::runtime_error(format(printableMessage(message), where)),
      message_(printableMessage(message)),
      where_(std::move(where)) {}

Error::Error(std::string message, int code, bool transient) : Error(std::move(message)) {
  code_ = code;
  transient_ = transient;
}

Error Error::within(const std::string& context) const { return Error(context + message_, code_, transient_); }

bool mayPassAsIs(const std::exception& failure) {
  const auto* error = dynamic_cast<const Error*>(&failure);
  return !error || error->transient();
}

void Diagnostics::add(Location where, std::string message) {
  if (count_++ < kMostKept) errors_.emplace_back(std::move(message), std::move(where));
}

void Diagnostics::merge(Diagnostics&& other) {
  size_t unkept = other.count_ - other.errors_.size();
  for (auto& e : other.errors_) add(e.where(), e.message());
  count_ += unkept;
  other.errors_.clear();
  other.count_ = 0;
}

void Diagnostics::sort() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Error& a, const Error& b) {
    return std::tie(a.where().file, a.where().line, a.where().column) <
           std::tie(b.where().file, b.where().line, b.where().column);
  });
}

std::string Diagnostics::str() const {
  std::string out;
  for (const auto& e : errors_) out += std::string(e.what()) + "\n";
  if (count_ > errors_.size()) out += "... and " + std::to_string(count_ - errors_.size()) + " more errors\n";
  return out;
}

std::string Diagnostics::count() const {
  return std::to_string(count_) + (count_ == 1 ? " error" : " errors");
}

void Diagnostics::throwIfAny() {
  if (empty()) return;
  sort();
  std::string text = str();
  text.pop_back();
  throw Error(text);
}

}  // namespace vdc
