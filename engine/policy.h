// What a plan may not do, as a review or a pipeline forbids it (`--deny
// delete`, `--deny replace:Volume`) or a manifest does (`protect: true`).
// A plan that does it is refused whole, before anything is applied
// (docs/commands.md, docs/protection.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/plan.h"

namespace vdc {

struct Denial {
  Action action = Action::Delete;  // delete also denies a replace: it deletes the object too
  std::optional<Kind> kind;        // none: every kind
  std::string text;                // as given: "delete:Volume"
};

// "ACTION" or "ACTION:KIND"; throws Error saying what is wrong.
Denial parseDenial(const std::string& text);

// One line per change of `plan` a denial forbids: "the plan deletes
// Volume/data, which --deny delete:Volume forbids".
std::vector<std::string> deniedChanges(const Plan& plan, const std::vector<Denial>& denials);

// What protection says of `change`: nothing (not a delete or replace of a
// protected resource), refused, or allowed by `plan.allowDestroy`.
enum class Protection { None, Refused, Allowed };
Protection protectionOf(const Plan& plan, const Change& change);

// One line per delete or replace of a protected resource that
// `plan.allowDestroy` does not name.
std::vector<std::string> protectedChanges(const Plan& plan);

}  // namespace vdc
