// Human views of plans. The JSON view is Plan::toJson(); both render the
// same value.
#pragma once

#include <string>

#include "engine/plan.h"

namespace vdc {

std::string renderPlan(const Plan& plan);
std::string renderSummary(const Summary& summary);  // "Plan: 3 to create, ..."
// For a delete or replace of a protected resource: "protected", or
// "protected, allowed by --allow-destroy"; "" for any other change.
std::string protectionNote(const Plan& plan, const Change& change);
// "Partial plan (--only Instance/web): 3 changes left out", for a plan filtered by --only or --exclude.
std::string renderPartial(const Plan& plan);

}  // namespace vdc
