#include "cli/report.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "engine/atomic.h"
#include "engine/policy.h"
#include "engine/render.h"
#include "engine/stop_request.h"
#include "base/text.h"
#include "operations/failure.h"

namespace vdc::cli {

void addWhere(CLI::App* command, Where& where, bool withTarget) {
  command->add_option("DIR", where.directory, "VDC directory (default: current directory)");
  if (withTarget) addTarget(command, where.target);
}

void addTarget(CLI::App* command, std::optional<std::string>& target) {
  command->add_option("--target", target, "Target file (default: the embedded datacenter)");
}

void addParallelism(CLI::App* command, int& parallelism) {
  command->add_option("--parallelism", parallelism, "Operations at once (default 10)")->check(CLI::Range(1, 1000));
}

namespace {

// A CLI11 check from a parser that throws Error: its message, or "" when it parses.
std::function<std::string(const std::string&)> parsedBy(std::function<void(const std::string&)> parse) {
  return [parse](const std::string& text) {
    try {
      parse(text);
      return std::string();
    } catch (const Error& e) {
      return e.message();
    }
  };
}

}  // namespace

void addPolicy(CLI::App* command, Policy& policy) {
  command
      ->add_option("--deny", policy.deny,
                   "Refuse a plan that does ACTION (create, update, replace, delete, adopt, rename), to KIND if given; "
                   "delete also refuses a replace, update a rename that changes fields too. "
                   "Repeatable: --deny delete:Volume --deny replace")
      ->allow_extra_args(false)
      ->check(parsedBy([](const std::string& text) { parseDenial(text); }));
  command
      ->add_option("--allow-destroy", policy.allowDestroy,
                   "Let the plan delete or replace this protected resource (protect: true). Repeatable: "
                   "--allow-destroy Volume/data")
      ->allow_extra_args(false)
      ->check(parsedBy([](const std::string& text) { parseAddress("--allow-destroy", text); }));
}

void allowDestroy(Plan& plan, const Policy& policy) {
  for (const auto& text : policy.allowDestroy) {
    ResourceId id = parseAddress("--allow-destroy", text);
    if (std::find(plan.allowDestroy.begin(), plan.allowDestroy.end(), id) == plan.allowDestroy.end())
      plan.allowDestroy.push_back(id);
  }
}

bool reportForbidden(const Plan& plan, const Policy& policy) {
  std::vector<Denial> parsed;
  for (const auto& text : policy.deny) parsed.push_back(parseDenial(text));
  auto found = deniedChanges(plan, parsed);
  for (auto& line : protectedChanges(plan)) found.push_back(std::move(line));
  for (const auto& line : found) std::cerr << "error: " << line << "\n";
  if (!found.empty()) std::cerr << found.size() << (found.size() == 1 ? " change is" : " changes are")
                                << " forbidden; nothing was changed.\n";
  return !found.empty();
}

void addFilter(CLI::App* command, PlanFilter& filter) {
  command
      ->add_option("--only", filter.only,
                   "Plan only this resource (Kind/name; an Instance with replicas by its base name) and what it "
                   "needs; repeatable")
      ->allow_extra_args(false)
      ->check(parsedBy([](const std::string& text) { parseAddress("--only", text); }));
  command
      ->add_option("--exclude", filter.exclude, "Leave out this resource and what must come after it; repeatable")
      ->allow_extra_args(false)
      ->check(parsedBy([](const std::string& text) { parseAddress("--exclude", text); }));
}

void addReplace(CLI::App* command, std::vector<std::string>& replace) {
  command
      ->add_option("--replace", replace,
                   "Replace this resource (Kind/name; an Instance with replicas by its base name) even if it did "
                   "not change, and what follows it; repeatable")
      ->allow_extra_args(false)
      ->check(parsedBy([](const std::string& text) { parseAddress("--replace", text); }));
}

bool reportIrreversible(const Plan& plan) {
  auto found = irreversibleChanges(plan);
  for (const auto& line : found) std::cerr << "error: " << line << "\n";
  if (!found.empty()) std::cerr << "An atomic apply undoes every change or does not begin; nothing was changed.\n";
  return !found.empty();
}

void reportError(const std::string& message) { std::cerr << "error: " << message << "\n"; }

int reportFailure(const std::exception& e) {
  auto* failure = dynamic_cast<const operations::Failure*>(&e);
  if (failure && !failure->problems().empty()) {
    std::cerr << failure->problems().str();
    if (!failure->message().empty()) std::cerr << failure->message() << "\n";
  } else {
    reportError(e.what());
  }
  return 1;
}

int reportApply(const Plan& plan, const ApplyReport& result) {
  if (result.ok()) {
    Summary s = plan.summary();
    std::cout << "Apply complete: " << (s.adopt ? std::to_string(s.adopt) + " adopted, " : "")
              << (s.rename ? std::to_string(s.rename) + " renamed, " : "") << s.create
              << " created, " << s.update << " updated, " << s.replace << " replaced, " << s.remove << " deleted.\n";
    return 0;
  }
  std::cerr << "\n";
  for (const auto& o : result.outcomes)
    if (o.status == Status::Failed) std::cerr << "error: " << o.id.str() << ": " << o.error << "\n";
  if (!result.leaseLost.empty()) std::cerr << "error: " << result.leaseLost << "\n";
  for (const auto& o : result.rollback)
    if (o.status == Status::Failed) std::cerr << "error: undoing " << o.id.str() << ": " << o.error << "\n";
  if (result.rolledBack) {
    std::cout << "Apply " << (result.interrupted ? "interrupted" : "failed") << " and rolled back: "
              << result.rollback.size() << " operations undid " << result.count(Status::Done) + result.count(Status::Failed)
              << " begun; the datacenter is as it was before. Nothing of this plan is applied.\n";
    return 1;
  }
  if (!result.rollback.empty()) {
    size_t undone = 0;
    for (const auto& o : result.rollback) undone += o.status == Status::Done;
    std::cout << "Apply failed, and its rollback did " << undone << " of " << result.rollback.size()
              << " operations: the datacenter is partly changed. Run vdc apply --atomic again to converge.\n";
    return 1;
  }
  std::cout << "Apply " << (result.interrupted ? "interrupted" : "failed") << ": "
            << result.count(Status::Done) << " done, " << result.count(Status::Failed) << " failed, "
            << result.count(Status::Skipped) << " skipped, " << result.count(Status::NotStarted)
            << " not started. Run vdc apply again to converge.\n";
  return 1;
}

void reportWarnings(const std::vector<std::string>& warnings) {
  for (const auto& warning : warnings) std::cerr << printableMessage("warning: " + warning) << "\n";
}

namespace {

// %* in a pattern: the message, escaped as every other text vdc prints
// (base/text.h). Log lines carry names, paths and messages from
// repositories, manifests and libraries.
class PrintableMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&, spdlog::memory_buf_t& out) override {
    std::string text = printableMessage(std::string_view(message.payload.data(), message.payload.size()));
    // A message's own further lines are indented: no text can begin a line that reads as a log line of its own.
    for (size_t at = 0; (at = text.find('\n', at)) != std::string::npos; at += 5) text.replace(at, 1, "\n    ");
    out.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<PrintableMessage>(); }
};

}  // namespace

void setUpLogging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("vdc");
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<PrintableMessage>('*').set_pattern("%^%l%$ %H:%M:%S.%e %*");
  logger->set_formatter(std::move(formatter));
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

bool confirm(const std::string& question) {
  if (!isatty(STDIN_FILENO)) {
    reportError("not a terminal: pass --auto-approve to apply without confirmation");
    return false;
  }
  std::cerr << question << " Only 'yes' will be accepted: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "yes") return true;
  std::cerr << "Cancelled; nothing was changed.\n";
  return false;
}

namespace {

void onInterrupt(int) {
  if (stopRequest().exchange(true)) _exit(130);  // a second Ctrl-C stops at once
  const char message[] =
      "\nInterrupted: letting in-flight operations finish, stopping copies of disks (Ctrl-C again to abort)...\n";
  ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
  (void)ignored;
}

}  // namespace

struct InterruptGuard::Saved {
  struct sigaction interrupt {}, terminate {};
};

InterruptGuard::InterruptGuard() : saved_(std::make_unique<Saved>()) {
  stopRequest() = false;
  struct sigaction action {};
  action.sa_handler = onInterrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &saved_->interrupt);
  sigaction(SIGTERM, &action, &saved_->terminate);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &saved_->interrupt, nullptr);
  sigaction(SIGTERM, &saved_->terminate, nullptr);
}

const std::atomic<bool>* InterruptGuard::interrupted() const { return &stopRequest(); }

}  // namespace vdc::cli
