// A plan as Markdown, for a code review (a pull request's comment): the
// summary, drift called out, then the changes by action (deletes and
// replacements first, as a reviewer reads them first), each with the
// fields that change. It renders the same value as renderPlan.
#pragma once

#include <string>

#include "engine/plan.h"

namespace vdc {

struct MarkdownContext {
  std::string revision;  // the commit the manifests are at ("" when not known)
  std::string inForce;   // the revision the target records as in force ("" when none)
};

std::string renderMarkdown(const Plan& plan, const MarkdownContext& context = {});

}  // namespace vdc
