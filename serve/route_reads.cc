// What a viewer reads: the VDCs, one VDC's status and history, and of the
// revision in force its resources, its plan against live state and its
// dependency graph.
#include <filesystem>

#include "engine/graph.h"
#include "operations/planning.h"
#include "operations/session.h"
#include "operations/show.h"
#include "serve/graph_svg.h"
#include "serve/routes.h"

namespace vdc::serve {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMostDrawn = 2000;

// A VDC's summary with the caller's role on it.
Json summaryFor(const VdcRunner& runner, Role role) {
  Json summary = runner.summary();
  summary["access"] = roleName(role);
  // A followed directory is a path of the server's: a viewer sees its name.
  Json& source = summary["source"];
  if (role != Role::Operator && source.contains("directory"))
    source["directory"] = fs::path(source["directory"].get<std::string>()).filename().string();
  return summary;
}

// Answers from the revision in force and its target, as a viewer.
Handler fromInForce(Api& api, std::function<Json(const RevisionFiles&)> answer) {
  return [&api, answer](const Request& req, Response& res) {
    VdcCall call = api.callOn(req, res, Role::Viewer);
    if (!call) return;
    auto found = api.inForce(call, res);
    if (!found) return;
    api.answer(call, res, [&] { reply(res, answer(*found)); });
  };
}

}  // namespace

Handler listVdcs(Api& api) {
  return [&api](const Request& req, Response& res) {
    auto principal = api.principalOf(req, res);
    if (!principal) return;
    Json items = Json::array();
    for (const auto& [name, runner] : api.vdcs)
      if (Role role = principal->roleFor(name); role != Role::None) items.push_back(summaryFor(*runner, role));
    reply(res, {{"items", items}});
  };
}

// What one controller last published, copied under its lock.
Handler showVdc(Api& api) {
  return [&api](const Request& req, Response& res) {
    if (VdcCall call = api.callOn(req, res, Role::Viewer))
      reply(res, summaryFor(*call.runner, call.who.roleFor(call.vdc)));
  };
}

Handler vdcHistory(Api& api) {
  return [&api](const Request& req, Response& res) {
    if (VdcCall call = api.callOn(req, res, Role::Viewer)) reply(res, {{"items", call.runner->history()}});
  };
}

Handler vdcResources(Api& api) {
  return fromInForce(api, [](const RevisionFiles& found) {
    Vdc loaded = operations::load(found.directory);
    DatacenterPtr datacenter = operations::openTarget(found.target);
    return operations::show(loaded, *datacenter).toJson();
  });
}

Handler vdcPlan(Api& api) {
  return fromInForce(api, [](const RevisionFiles& found) { return planOf(found).plan.toJson(); });
}

// The dependency graph of the revision in force, as Graphviz DOT, or drawn
// as SVG (?format=svg) up to kMostDrawn resources: dot's layout grows
// faster than the graph.
Handler vdcGraph(Api& api) {
  return [&api](const Request& req, Response& res) {
    VdcCall call = api.callOn(req, res, Role::Viewer);
    if (!call) return;
    std::string format = req.hasParam("format") ? req.param("format") : "dot";
    if (format != "dot" && format != "svg")
      return problem(res, 400, "format is dot or svg, not '" + format.substr(0, 16) + "'");
    auto found = api.inForce(call, res);
    if (!found) return;
    api.answer(call, res, [&] {
      Vdc loaded = operations::load(found->directory);
      DependencyGraph graph = DependencyGraph::of(loaded);
      if (format == "dot") return res.setContent(graph.dot(loaded.name), "text/vnd.graphviz");
      if (graph.size() > kMostDrawn)
        return problem(res, 422, "VDC '" + loaded.name + "' has " + std::to_string(graph.size()) +
                                     " resources, more than are drawn (" + std::to_string(kMostDrawn) +
                                     "): take its graph as DOT");
      res.setContent(svgOf(graph.dot(loaded.name)), "image/svg+xml");
    });
  };
}

}  // namespace vdc::serve
