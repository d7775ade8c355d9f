// A plan made for an operator to apply: of the revision in force, or of a
// revision the body names ({"revision": COMMIT}, written out beside the
// plan). It is kept under its id in the VDC's home, then applied only while
// the target is as it was when the plan was made (a stale plan is refused,
// as vdc apply PLAN refuses one).
#include <algorithm>
#include <filesystem>
#include <regex>

#include <spdlog/spdlog.h>

#include "gitops/repository.h"
#include "operations/applying.h"
#include "serve/routes.h"

namespace vdc::serve {

namespace fs = std::filesystem;

namespace {

constexpr size_t kPlansKept = 20;

// The last kPlansKept plans made for a VDC are kept; older ones are
// forgotten, with the revision written out for one (planned/ID).
void forgetOldPlans(const fs::path& home) {
  std::vector<fs::directory_entry> plans;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(home / "plans", ec)) plans.push_back(entry);
  if (plans.size() <= kPlansKept) return;
  std::sort(plans.begin(), plans.end(), [](const auto& a, const auto& b) {
    std::error_code e;
    return a.last_write_time(e) > b.last_write_time(e);
  });
  for (size_t i = kPlansKept; i < plans.size(); ++i) {
    fs::remove(plans[i].path(), ec);
    fs::remove_all(home / "planned" / plans[i].path().stem(), ec);
  }
}

// The revision the body names: "" for the one in force; none, with a
// problem, for a body that is not {"revision": COMMIT} or {}.
std::optional<std::string> askedRevision(const Request& req, Api& api, VdcCall& call, Response& res) {
  if (req.body.empty()) return "";
  Json body = Json::parse(req.body, nullptr, false);
  const Json* asked = body.is_object() && body.contains("revision") ? &body["revision"] : nullptr;
  if (body.is_discarded() || !body.is_object() || (asked && !asked->is_string())) {
    api.refuse(call, res, 400, "the body must be a JSON object, {\"revision\": COMMIT} or {}");
    return std::nullopt;
  }
  std::string revision = asked ? asked->get<std::string>() : "";
  static const std::regex kRevision("[0-9a-f]{40}");
  if (!revision.empty() && !std::regex_match(revision, kRevision)) {
    api.refuse(call, res, 422, "'" + revision.substr(0, 64) + "' is not a revision: 40 hexadecimal digits are");
    return std::nullopt;
  }
  return revision;
}

// `revision` written out under planned/ID, checked by the controller's
// rules; none, with a problem, when the source does not hold it or the
// controller would refuse it.
std::optional<RevisionFiles> checkedOut(Api& api, VdcCall& call, Response& res, const std::string& revision,
                                        const fs::path& tree) {
  call.revision = revision;
  try {
    call.runner->checkout(revision, tree.string());
  } catch (const std::exception& failure) {
    std::error_code ignored;
    fs::remove_all(tree, ignored);
    const auto* e = dynamic_cast<const Error*>(&failure);
    if (!e) throw;  // the server's own (its disk): answered as such
    // What the controller would refuse is refused here, for the same reasons.
    if (dynamic_cast<const RefusedRevision*>(e) || dynamic_cast<const gitops::UnsafeTree*>(e)) {
      api.refuse(call, res, 422, "VDC '" + call.vdc + "' would not apply revision " + revision + ": " + e->message());
      return std::nullopt;
    }
    spdlog::warn("VDC {}: revision {}: {}", call.vdc, revision, e->what());
    api.refuse(call, res, 404,
               "VDC '" + call.vdc + "' cannot plan revision " + revision + ": it is not a commit its repository holds",
               "not found");
    return std::nullopt;
  }
  RevisionFiles found = Api::revisionAt(*call.runner, revision, tree.string());
  call.root = found.root;
  return found;
}

}  // namespace

Handler makePlan(Api& api) {
  return [&api](const Request& req, Response& res) {
    VdcCall call = api.callOn(req, res, Role::Operator, "plan");
    if (!call) return;
    fs::path home = call.runner->home();
    api.answer(call, res, [&] {
      auto revision = askedRevision(req, api, call, res);
      if (!revision) return;
      std::optional<RevisionFiles> found;
      std::string id;
      if (revision->empty()) {
        found = api.inForce(call, res);
        if (!found) return;
        call.revision = found->revision;
      } else {
        id = randomId();
        found = checkedOut(api, call, res, *revision, home / "planned" / id);
        if (!found) return;
      }
      try {
        operations::Prepared prepared = planOf(*found);
        Json plan = prepared.plan.toJson();
        if (id.empty()) id = Plan::digest(plan).substr(std::string("sha256:").size(), 16);
        fs::create_directories(home / "plans");
        prepared.plan.save((home / "plans" / (id + ".json")).string());
        forgetOldPlans(home);
        call.planId = id;
        reply(res, {{"id", id}, {"revision", found->revision}, {"plan", plan}}, 201);
      } catch (...) {
        if (!revision->empty()) fs::remove_all(home / "planned" / id);
        throw;
      }
    });
  };
}

Handler applyPlan(Api& api) {
  return [&api](const Request& req, Response& res) {
    VdcCall call = api.callOn(req, res, Role::Operator, "apply");
    if (!call) return;
    call.planId = req.matches[3];
    fs::path file = fs::path(call.runner->home()) / "plans" / (call.planId + ".json");
    api.answer(call, res, [&] {
      if (!fs::is_regular_file(file))
        return api.refuse(call, res, 404, "no plan " + call.planId + " of VDC '" + call.vdc + "' is kept here", "not found");
      auto found = api.inForce(call, res);
      if (!found) return;
      operations::Prepared prepared =
          operations::prepareSaved(file.string(), found->target, "vdc serve (token " + call.who.name + ")", true);
      VdcRunner* runner = call.runner;
      ApplyEvents progress(call.vdc, api.events, [runner](Json event) { return runner->withoutServerPaths(std::move(event)); });
      operations::ApplyChoices choices{.parallelism = runner->spec().parallelism, .atomic = runner->spec().atomic,
                                       .observer = &progress};
      ApplyReport report = operations::execute(prepared.plan, *prepared.datacenter, prepared.live,
                                               operations::applyOptions(prepared, choices));
      Json outcomes = Json::array();
      for (const auto& o : report.outcomes) outcomes.push_back({{"address", o.id.str()}, {"result", describeOutcome(o)}});
      Json answer = {{"id", call.planId}, {"ok", report.ok()}, {"outcomes", outcomes}};
      if (choices.atomic && !report.ok()) answer["rolledBack"] = report.rolledBack;
      call.result = report.ok() ? "applied" : "failed";
      reply(res, answer, report.ok() ? 200 : 500);
    });
  };
}

}  // namespace vdc::serve
