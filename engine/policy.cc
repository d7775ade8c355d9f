#include "engine/policy.h"

#include <algorithm>
#include <iterator>

#include "base/error.h"
#include "base/text.h"

namespace vdc {

Denial parseDenial(const std::string& text) {
  Denial denial;
  denial.text = text;
  auto colon = text.find(':');
  std::string action = text.substr(0, colon);
  bool known = false;
  for (Action a : kActions)
    if (actionName(a) == action) {
      denial.action = a;
      known = true;
    }
  if (!known)
    throw Error("--deny " + printable(text) + ": the action is create, update, replace, delete, adopt or rename");
  if (colon != std::string::npos) {
    denial.kind = parseKind(text.substr(colon + 1));
    if (!denial.kind) throw Error("--deny " + printable(text) + ": '" + printable(text.substr(colon + 1)) + "' is no kind");
  }
  return denial;
}

static const char* verb(Action action) {
  static const char* verbs[] = {"creates", "updates", "replaces", "deletes", "adopts", "renames"};
  static_assert(std::size(verbs) == std::size(kActions));
  return verbs[static_cast<int>(action)];
}

std::vector<std::string> deniedChanges(const Plan& plan, const std::vector<Denial>& denials) {
  std::vector<std::string> found;
  for (const auto& c : plan.changes)
    for (const auto& d : denials) {
      bool action = c.action == d.action || (d.action == Action::Delete && c.action == Action::Replace) ||
                    (d.action == Action::Update && c.action == Action::Rename && !c.fields.empty());
      if (!action || (d.kind && *d.kind != c.id.kind)) continue;
      found.push_back("the plan " + std::string(verb(c.action)) + " " + c.id.str() +
                      ", which --deny " + d.text + " forbids");
      break;
    }
  return found;
}

Protection protectionOf(const Plan& plan, const Change& c) {
  if (!c.protect || (c.action != Action::Delete && c.action != Action::Replace)) return Protection::None;
  bool allowed = std::find(plan.allowDestroy.begin(), plan.allowDestroy.end(), c.id) != plan.allowDestroy.end();
  return allowed ? Protection::Allowed : Protection::Refused;
}

std::vector<std::string> protectedChanges(const Plan& plan) {
  std::vector<std::string> found;
  for (const auto& c : plan.changes) {
    if (protectionOf(plan, c) != Protection::Refused) continue;
    found.push_back("the plan " + std::string(verb(c.action)) + " " + c.id.str() +
                    ", which is protected (protect: true); to allow it, pass --allow-destroy " + c.id.str());
  }
  return found;
}

}  // namespace vdc
