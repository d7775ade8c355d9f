#include "serve/api.h"

#include <filesystem>

#include "gitops/repository.h"

namespace vdc::serve {

namespace fs = std::filesystem;

std::string randomId() { return makeToken().token.substr(0, 16); }

std::string bearerOf(const Request& req) {
  std::string header = req.header("Authorization");
  return header.starts_with("Bearer ") ? header.substr(7) : "";
}

std::optional<Principal> Api::principalOf(const Request& req, Response& res) const {
  auto principal = tokens.authenticate(bearerOf(req));
  if (!principal) {
    res.setHeader("WWW-Authenticate", "Bearer realm=\"vdc\"");
    problem(res, 401, "a valid bearer token is needed (Authorization: Bearer TOKEN)");
  }
  return principal;
}

VdcCall Api::callOn(const Request& req, Response& res, Role needed, const std::string& action) {
  VdcCall call;
  call.vdc = req.matches[1];
  call.action = action;
  auto principal = principalOf(req, res);
  if (!principal) {
    if (!action.empty()) audited(call, "unauthorized");
    return call;
  }
  call.who = *principal;
  auto found = vdcs.find(call.vdc);
  Role role = principal->roleFor(call.vdc);
  // A VDC the caller may not see is not there, for them.
  if (found == vdcs.end() || role == Role::None) {
    problem(res, 404, "no VDC '" + call.vdc + "' is served here");
    if (!action.empty()) audited(call, "not found");
    return call;
  }
  if (role < needed) {
    problem(res, 403, "token '" + principal->name + "' is a " + roleName(role) + " of VDC '" + call.vdc + "': " +
                          roleName(needed) + " is needed");
    if (!action.empty()) audited(call, "forbidden");
    return call;
  }
  call.runner = found->second.get();
  return call;
}

void Api::answer(VdcCall& call, Response& res, const std::function<void()>& body) {
  try {
    body();
  } catch (const std::exception& e) {
    Problem found = problemOf(e, call.root);
    // A failure may name a file of the server's (a kept plan): it is named by its place in the VDC's home.
    problem(res, found.status, call.runner->withoutServerPaths(found.detail).get<std::string>());
    if (!call.action.empty()) audited(call, found.result);
    return;
  }
  if (!call.action.empty()) audited(call, call.result);
}

void Api::refuse(VdcCall& call, Response& res, int status, const std::string& detail, const std::string& result) {
  problem(res, status, detail);
  call.result = result;
}

void Api::audited(const VdcCall& call, const std::string& result) {
  audit.write(call.who.name, call.vdc, call.action, call.revision, result, call.planId);
}

std::optional<RevisionFiles> Api::inForce(VdcCall& call, Response& res) {
  const VdcRunner& runner = *call.runner;
  std::string revision = runner.appliedRevision();
  // The revision comes from the datacenter's record: only a commit id names a directory.
  fs::path root = fs::path(runner.home()) / "cache" / "revisions" / revision;
  if (!gitops::isCommitId(revision) || !fs::is_directory(root / runner.spec().path)) {
    refuse(call, res, 409, "VDC '" + runner.spec().name + "' has no revision in force yet", "no revision in force");
    return std::nullopt;
  }
  RevisionFiles found = revisionAt(runner, revision, root.string());
  call.root = found.root;
  return found;
}

RevisionFiles Api::revisionAt(const VdcRunner& runner, const std::string& revision, const std::string& root) {
  RevisionFiles found{revision, root, (fs::path(root) / runner.spec().path).string(), runner.target()};
  if (!runner.spec().targetPath.empty()) found.target = (fs::path(root) / runner.spec().targetPath).string();
  return found;
}

operations::Prepared planOf(const RevisionFiles& found) {
  operations::PlanRequest request;
  request.directory = found.directory;
  request.target = found.target;
  request.confined = true;
  return operations::prepare(request);
}

}  // namespace vdc::serve
