// How the commands talk to a person: errors and warnings on stderr,
// confirmation on the terminal, logs at the level --verbose asks for.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/apply.h"
#include "engine/filter.h"

namespace vdc::cli {

// The flags most commands share: the VDC directory and the Target file.
struct Where {
  std::string directory = ".";
  std::optional<std::string> target;  // none: the embedded datacenter
};
void addWhere(CLI::App* command, Where& where, bool withTarget = true);
void addTarget(CLI::App* command, std::optional<std::string>& target);
void addParallelism(CLI::App* command, int& parallelism);
// What a plan may not do (engine/policy.h): --deny ACTION[:KIND] and
// --allow-destroy Kind/name, each repeatable.
struct Policy {
  std::vector<std::string> deny;
  std::vector<std::string> allowDestroy;
};
void addPolicy(CLI::App* command, Policy& policy);
// --only ADDR and --exclude ADDR, each repeatable (engine/filter.h).
void addFilter(CLI::App* command, PlanFilter& filter);
// --replace ADDR, repeatable: replaced whether or not it changed.
void addReplace(CLI::App* command, std::vector<std::string>& replace);
// Adds what --allow-destroy allows to `plan`: shown, saved and applied with it.
void allowDestroy(Plan& plan, const Policy& policy);
// Prints each change of `plan` that the policy or a protection forbids;
// true when there are any.
bool reportForbidden(const Plan& plan, const Policy& policy);
// Prints each change of `plan` an atomic apply could not undo; true when there are any.
bool reportIrreversible(const Plan& plan);

void reportError(const std::string& message);
// Prints what stopped an operation (every problem of an operations::Failure,
// or the message of any other error) and returns the exit code, 1.
int reportFailure(const std::exception& e);
// The end of an apply: its summary, or what failed and how to converge. Returns the exit code.
int reportApply(const Plan& plan, const ApplyReport& result);
void reportWarnings(const std::vector<std::string>& warnings);

// Asks on the terminal; false without a terminal (use --auto-approve).
bool confirm(const std::string& question);

// Logs go to stderr; --verbose shows the debug level (timings, counts).
void setUpLogging(bool verbose);

// While it lives, the first SIGINT or SIGTERM sets `interrupted`, the
// process's stop request (engine/stop_request.h: in-flight operations
// finish, copies of disks stop, nothing new starts); a second one stops at once.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  const std::atomic<bool>* interrupted() const;

 private:
  struct Saved;
  std::unique_ptr<Saved> saved_;
};

}  // namespace vdc::cli
