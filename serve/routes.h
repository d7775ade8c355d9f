// The handlers of the Web API, one per operation (docs/serve.md's table of
// routes; specs/openapi.yaml). Each takes the call's steps from Api: who
// calls, on which VDC, and how a failure is answered and audited.
#pragma once

#include <string>

#include "serve/api.h"
#include "serve/http_server.h"

namespace vdc::serve {

using Handler = HttpServer::Handler;

// route_reads.cc: what a viewer reads.
Handler listVdcs(Api& api);
Handler showVdc(Api& api);
Handler vdcHistory(Api& api);
Handler vdcResources(Api& api);
Handler vdcPlan(Api& api);
Handler vdcGraph(Api& api);

// route_plans.cc: a plan made for an operator, then applied by its id.
Handler makePlan(Api& api);
Handler applyPlan(Api& api);

// route_export.cc: the VDC carried out whole, as a bundle.
Handler exportVdc(Api& api);

// route_actions.cc: sync, suspend and resume; the event stream.
Handler vdcAction(Api& api, const std::string& action, void (VdcRunner::*act)(const std::string&));
Handler eventStream(Api& api);

}  // namespace vdc::serve
