// Human views of plans. The JSON view is Plan::toJson(); both render the
// same value.
#pragma once

#include <string>

#include "engine/plan.h"

namespace vdc {

std::string renderPlan(const Plan& plan);
std::string renderSummary(const Summary& summary);  // "Plan: 3 to create, ..."

}  // namespace vdc
