#include <iostream>

#include "cli/commands.h"
#include "cli/session.h"
#include "engine/render.h"

namespace vdc::cli {

int planCommand(const PlanOptions& options) {
  auto opened = openVdcOrReport(options);
  if (!opened) return 1;
  Vdc* vdc = &opened->vdc;
  Datacenter* datacenter = opened->datacenter.get();
  try {
    LiveState live = readLive(*datacenter, vdc->name);
    Diagnostics problems;
    Plan plan = makePlan(*vdc, live, *datacenter, options.destroy, problems);
    if (!problems.empty()) {
      std::cerr << problems.str();
      return 1;
    }
    if (options.json)
      std::cout << plan.toJson().dump(2) << "\n";
    else
      std::cout << renderPlan(plan);
    if (options.out) {
      plan.save(*options.out);
      std::cerr << "Saved the plan to " << *options.out << "; run `vdc apply " << *options.out
                << "` to perform exactly these actions.\n";
    }
    return options.detailedExitCode && !plan.empty() ? 2 : 0;
  } catch (const Error& e) {
    reportError(e.what());
    return 1;
  }
}

}  // namespace vdc::cli
