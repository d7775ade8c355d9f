#include "serve/server.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>

#include <spdlog/spdlog.h>

#include "engine/error.h"
#include "engine/graph.h"
#include "engine/safe_file.h"
#include "engine/text.h"
#include "gitops/repository.h"
#include "operations/applying.h"
#include "operations/export.h"
#include "operations/failure.h"
#include "operations/planning.h"
#include "operations/session.h"
#include "operations/show.h"
#include "serve/console.h"
#include "serve/graph_svg.h"
#include "serve/http_server.h"

namespace vdc::serve {

namespace fs = std::filesystem;

namespace {

constexpr const char* kJson = "application/json";
constexpr size_t kPlansKept = 20;
constexpr size_t kMostDrawn = 2000;

// An error as an RFC 9457 problem document, with the message the CLI prints.
void problem(Response& res, int status, const std::string& title, const std::string& detail) {
  Json body = {{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}};
  res.status = status;
  res.setContent(body.dump(), "application/problem+json");
}

void reply(Response& res, const Json& body, int status = 200) {
  res.status = status;
  res.setContent(body.dump(), kJson);
}

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

// A fresh name for a scratch file or a kept plan: 16 random hex digits.
std::string randomId() { return makeToken().token.substr(0, 16); }

std::string bearerOf(const Request& req) {
  std::string header = req.header("Authorization");
  return header.starts_with("Bearer ") ? header.substr(7) : "";
}

// What an operation's failure is in HTTP: the caller's input, a conflict
// with another writer or with a moved target, or what the target refuses.
int statusOf(const operations::Failure& failure) {
  switch (failure.kind()) {
    case operations::FailureKind::Invalid: return 422;
    case operations::FailureKind::Locked: return 409;
    case operations::FailureKind::Stale: return 409;
    case operations::FailureKind::Refused: return 422;
  }
  return 500;
}

// A revision's files by their place in the repository, not where the server keeps it.
std::string failureText(const operations::Failure& failure, const std::string& root) {
  std::string text = failure.problems().empty() ? "" : failure.problems().str();
  return operations::inRepositoryTerms(text + failure.what(), root);
}

// What a viewer is told of an error that is the server's, not the
// manifests': no exception's text, which may name the server's files (the
// log has it).
void serverProblem(Response& res, int status, const std::exception& e) {
  spdlog::error("{}", e.what());
  problem(res, status, status == 503 ? "Service Unavailable" : "Internal Server Error",
          "the server could not answer; its log says why");
}

}  // namespace

Server::Server(ServeConfig config)
    : config_(std::move(config)),
      tokens_(config_.tokensFile.empty() ? Tokens::open() : Tokens::read(config_.tokensFile)),
      events_(config_.maxStreams) {}

Server::~Server() { stop(); }

int Server::start() {
  checkPrivateDirectory(config_.state);
  std::string embedded = (fs::path(config_.state) / "embedded-target.yaml").string();
  if (!fs::exists(embedded))
    replaceFile(embedded, "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: embedded}\nspec:\n  embedded: {path: sim.xml}\n");
  audit_ = std::make_unique<AuditLog>(config_.auditLog);
  for (const auto& spec : config_.vdcs)
    vdcs_[spec.name] = std::make_unique<VdcRunner>(spec, config_, events_);

  HttpServer::Settings http;
  http.host = config_.host;
  http.port = config_.port;
  http.certificate = config_.certificate;
  http.key = config_.key;
  http.maxBodyBytes = config_.maxBodyBytes;
  http.requestTimeout = config_.requestTimeout;
  http.maxConnections = config_.maxConnections;
  http.streamWorkers = config_.maxStreams;
  http_ = std::make_unique<HttpServer>(http);
  routes();
  int port = http_->bind();
  for (auto& [name, runner] : vdcs_) runner->start();
  spdlog::info("serving {} VDCs on {}://{}:{}", vdcs_.size(), config_.tls() ? "https" : "http", config_.host, port);
  return port;
}

void Server::serve() { http_->run(); }

void Server::stop() {
  // The streams first: each holds a worker the HTTP server waits for.
  events_.shutdown();
  if (http_) http_->stop();
  for (auto& [name, runner] : vdcs_) runner->stop();
}

// Refused calls are audited too: who tried what, and why it was refused.
void Server::auditRefusal(const Request& req, const Response& res, const std::string& vdc,
                          const std::string& action) {
  std::string result = res.status == 401 ? "unauthorized" : res.status == 403 ? "forbidden" : "not found";
  auto caller = tokens_.authenticate(bearerOf(req));
  audit_->write(caller ? caller->name : "", vdc, action, "", result);
}

// The last kPlansKept plans made for a VDC are kept; older ones are
// forgotten, with the revision written out for one (planned/ID).
void Server::forgetOldPlans(const std::string& home) {
  std::vector<fs::directory_entry> plans;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(home) / "plans", ec)) plans.push_back(entry);
  if (plans.size() <= kPlansKept) return;
  std::sort(plans.begin(), plans.end(), [](const auto& a, const auto& b) {
    std::error_code e;
    return a.last_write_time(e) > b.last_write_time(e);
  });
  for (size_t i = kPlansKept; i < plans.size(); ++i) {
    fs::remove(plans[i].path(), ec);
    fs::remove_all(fs::path(home) / "planned" / plans[i].path().stem(), ec);
  }
}

VdcRunner* Server::find(const std::string& name) {
  auto it = vdcs_.find(name);
  return it == vdcs_.end() ? nullptr : it->second.get();
}

// The host part of a Host header ("vdc.example.org:8470", "[::1]:8470"), lower-case.
std::string hostPart(std::string host) {
  if (host.starts_with("[")) host = host.substr(1, host.find(']') - 1);
  else host = host.substr(0, host.find(':'));
  return lowerCase(host);
}

// A mutating call refused before its route ran (too large, too slow, from
// another site) is audited like any other: the VDC and action its path names.
void Server::auditRefused(const Request& req, const std::string& method, const std::string& path, int status) {
  static const std::regex kMutating(R"(/api/v1/vdcs/([a-z0-9-]{1,63})/(plans|plans/[0-9a-f]{16}/apply|sync|suspend|resume))");
  std::smatch found;
  if (method != "POST" || !std::regex_match(path, found, kMutating)) return;
  std::string action = found[2].str().ends_with("apply") ? "apply" : found[2].str() == "plans" ? "plan" : found[2].str();
  auto caller = tokens_.authenticate(bearerOf(req));
  audit_->write(caller ? caller->name : "", found[1], action, "", "refused (" + std::to_string(status) + ")");
}

void Server::routes() {
  // A page of another site (or a name rebound to this address) gets no
  // answer: the Host must be a name this server answers to, and a mutating
  // call's Origin, when a browser sends one, this server's own.
  http_->before([this](const Request& req, Response& res) {
    std::string host = hostPart(req.header("Host"));
    bool known = host == config_.host || std::find(config_.serverNames.begin(), config_.serverNames.end(), host) !=
                                                         config_.serverNames.end();
    if (isLoopback(config_.host)) known = known || host == "localhost" || host == "127.0.0.1" || host == "::1";
    if (!known) {
      problem(res, 421, "Misdirected Request",
              "this server answers to " + config_.host + (config_.serverNames.empty() ? "" : " and its serverNames") +
                  ", not to the Host this request names");
    } else if (std::string origin = req.header("Origin"); req.method == "POST" && !origin.empty()) {
      std::string own = std::string(config_.tls() ? "https://" : "http://") + req.header("Host");
      if (origin != own) problem(res, 403, "Forbidden", "a call that changes something is taken only from this server's own pages");
    }
    if (res.status != 0) auditRefused(req, req.method, req.path, res.status);
  });
  http_->onRefusal([this](const std::string& method, const std::string& path, int status) {
    auditRefused(Request{}, method, path, status);
  });
  // Every route but the health check needs a principal; each VDC's routes a role on it.
  auto principalOf = [this](const Request& req, Response& res) -> std::optional<Principal> {
    auto principal = tokens_.authenticate(bearerOf(req));
    if (!principal) {
      res.setHeader("WWW-Authenticate", "Bearer realm=\"vdc\"");
      problem(res, 401, "Unauthorized", "a valid bearer token is needed (Authorization: Bearer TOKEN)");
    }
    return principal;
  };
  auto vdcFor = [this, principalOf](const Request& req, Response& res, Role needed) -> std::pair<VdcRunner*, Principal> {
    auto principal = principalOf(req, res);
    if (!principal) return {nullptr, {}};
    std::string name = req.matches[1];
    VdcRunner* runner = find(name);
    Role role = principal->roleFor(name);
    // A VDC the caller may not see is not there, for them.
    if (!runner || role == Role::None) {
      problem(res, 404, "Not Found", "no VDC '" + name + "' is served here");
      return {nullptr, {}};
    }
    if (role < needed) {
      problem(res, 403, "Forbidden", "token '" + principal->name + "' is a " + roleName(role) + " of VDC '" + name +
                                         "': " + roleName(needed) + " is needed");
      return {nullptr, {}};
    }
    return {runner, *principal};
  };

  // Answered on the I/O thread: whatever the handlers are busy with, health answers.
  http_->route("GET", "/api/v1/health", [](const Request&, Response& res) { reply(res, {{"status", "ok"}}); }, true);

  http_->route("GET", "/api/v1/vdcs", [this, principalOf](const Request& req, Response& res) {
    auto principal = principalOf(req, res);
    if (!principal) return;
    Json items = Json::array();
    for (const auto& [name, runner] : vdcs_)
      if (Role role = principal->roleFor(name); role != Role::None) items.push_back(summaryFor(*runner, role));
    reply(res, {{"items", items}});
  });

  const std::string vdc = R"(/api/v1/vdcs/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?))";
  // What one controller last published, copied under its lock: answered on
  // the I/O threads, like health. (The list's cost grows with the VDCs: it
  // runs with the other handlers.)
  http_->route("GET", vdc, [vdcFor](const Request& req, Response& res) {
    if (auto [runner, who] = vdcFor(req, res, Role::Viewer); runner)
      reply(res, summaryFor(*runner, who.roleFor(runner->spec().name)));
  }, true);
  http_->route("GET", vdc + "/history", [vdcFor](const Request& req, Response& res) {
    if (auto [runner, who] = vdcFor(req, res, Role::Viewer); runner) reply(res, {{"items", runner->history()}});
  }, true);

  // A revision of a VDC written out: its manifests' directory and its Target
  // (a file of the server's, the shared embedded datacenter, or the
  // revision's own Target file).
  struct RevisionFiles {
    std::string revision;
    std::string root;  // where the revision's tree is written
    std::string directory;
    std::optional<std::string> target;
  };
  auto revisionAt = [](VdcRunner& runner, const std::string& revision, const fs::path& root) {
    RevisionFiles found{revision, root.string(), (root / runner.spec().path).string(), runner.target()};
    if (!runner.spec().targetPath.empty()) found.target = (root / runner.spec().targetPath).string();
    return found;
  };
  // The revision in force, as the controller wrote it into its cache.
  auto inForce = [revisionAt](VdcRunner& runner, Response& res) -> std::optional<RevisionFiles> {
    std::string revision = runner.appliedRevision();
    // The revision comes from the datacenter's record: only a commit id names a directory.
    fs::path root = fs::path(runner.home()) / "cache" / "revisions" / revision;
    if (!gitops::isCommitId(revision) || !fs::is_directory(root / runner.spec().path)) {
      problem(res, 409, "Conflict", "VDC '" + runner.spec().name + "' has no revision in force yet");
      return std::nullopt;
    }
    return revisionAt(runner, revision, root);
  };

  // Answers from the revision in force and its target, as a viewer; a failure as a problem.
  auto fromInForce = [vdcFor, inForce](std::function<Json(const RevisionFiles&)> answer) {
    return [vdcFor, inForce, answer](const Request& req, Response& res) {
      auto [runner, who] = vdcFor(req, res, Role::Viewer);
      if (!runner) return;
      auto found = inForce(*runner, res);
      if (!found) return;
      try {
        reply(res, answer(*found));
      } catch (const operations::Failure& e) {
        problem(res, statusOf(e), "Unprocessable", failureText(e, found->root));
      } catch (const std::exception& e) {
        serverProblem(res, 503, e);
      }
    };
  };
  // Its manifests came from a repository or a followed directory: host files are confined, as the controller's are.
  auto planOf = [](const RevisionFiles& found) {
    operations::PlanRequest request;
    request.directory = found.directory;
    request.target = found.target;
    request.confined = true;
    return operations::prepare(request);
  };
  http_->route("GET", vdc + "/resources", fromInForce([](const RevisionFiles& found) {
               Vdc loaded = operations::load(found.directory);
               DatacenterPtr datacenter = operations::openTarget(found.target);
               return operations::show(loaded, *datacenter).toJson();
             }));
  http_->route("GET", vdc + "/plan",
             fromInForce([planOf](const RevisionFiles& found) { return planOf(found).plan.toJson(); }));

  // The dependency graph of the revision in force, as Graphviz DOT, or
  // drawn as SVG (?format=svg) up to kMostDrawn resources: dot's layout
  // grows faster than the graph.
  http_->route("GET", vdc + "/graph", [vdcFor, inForce](const Request& req, Response& res) {
    auto [runner, who] = vdcFor(req, res, Role::Viewer);
    if (!runner) return;
    std::string format = req.hasParam("format") ? req.param("format") : "dot";
    if (format != "dot" && format != "svg")
      return problem(res, 400, "Bad Request", "format is dot or svg, not '" + format.substr(0, 16) + "'");
    auto found = inForce(*runner, res);
    if (!found) return;
    try {
      Vdc loaded = operations::load(found->directory);
      DependencyGraph graph = DependencyGraph::of(loaded);
      if (format == "dot") return res.setContent(graph.dot(loaded.name), "text/vnd.graphviz");
      if (graph.size() > kMostDrawn)
        return problem(res, 422, "Unprocessable", "VDC '" + loaded.name + "' has " + std::to_string(graph.size()) +
                                                      " resources, more than are drawn (" + std::to_string(kMostDrawn) +
                                                      "): take its graph as DOT");
      res.setContent(svgOf(graph.dot(loaded.name)), "image/svg+xml");
    } catch (const operations::Failure& e) {
      problem(res, statusOf(e), "Unprocessable", failureText(e, found->root));
    } catch (const std::exception& e) {
      serverProblem(res, 500, e);
    }
  });

  // A plan made for an operator to apply: of the revision in force, or of a
  // revision the body names ({"revision": COMMIT}, written out beside the
  // plan). It is kept under its id in the VDC's home, then applied only
  // while the target is as it was when the plan was made (a stale plan is
  // refused, as vdc apply PLAN refuses one).
  http_->route("POST", vdc + "/plans", [this, vdcFor, inForce, revisionAt, planOf](const Request& req, Response& res) {
    auto [runner, who] = vdcFor(req, res, Role::Operator);
    std::string name = req.matches[1];
    if (!runner) return auditRefusal(req, res, name, "plan");
    std::string revision;
    if (!req.body.empty()) {
      Json body = Json::parse(req.body, nullptr, false);
      const Json* asked = body.is_object() && body.contains("revision") ? &body["revision"] : nullptr;
      if (body.is_discarded() || !body.is_object() || (asked && !asked->is_string())) {
        audit_->write(who.name, name, "plan", "", "refused");
        return problem(res, 400, "Bad Request", "the body must be a JSON object, {\"revision\": COMMIT} or {}");
      }
      revision = asked ? asked->get<std::string>() : "";
      static const std::regex kRevision("[0-9a-f]{40}");
      if (!revision.empty() && !std::regex_match(revision, kRevision)) {
        audit_->write(who.name, name, "plan", "", "refused");
        return problem(res, 422, "Unprocessable",
                       "'" + revision.substr(0, 64) + "' is not a revision: 40 hexadecimal digits are");
      }
    }
    fs::path home = runner->home();
    std::optional<RevisionFiles> found;
    std::string id;
    if (revision.empty()) {
      if (!(found = inForce(*runner, res))) return audit_->write(who.name, name, "plan", "", "no revision in force");
    } else {
      id = randomId();
      fs::path tree = home / "planned" / id;
      try {
        runner->checkout(revision, tree.string());
      } catch (const Error& e) {
        fs::remove_all(tree);
        // What the controller would refuse is refused here, for the same reasons.
        bool refused = dynamic_cast<const RefusedRevision*>(&e) || dynamic_cast<const gitops::UnsafeTree*>(&e);
        audit_->write(who.name, name, "plan", revision, refused ? "refused" : "not found");
        if (refused)
          return problem(res, 422, "Unprocessable",
                         "VDC '" + name + "' would not apply revision " + revision + ": " + e.message());
        spdlog::warn("VDC {}: revision {}: {}", name, revision, e.what());
        return problem(res, 404, "Not Found",
                       "VDC '" + name + "' cannot plan revision " + revision + ": it is not a commit its repository holds");
      }
      found = revisionAt(*runner, revision, tree);
    }
    try {
      operations::Prepared prepared = planOf(*found);
      Json plan = prepared.plan.toJson();
      if (id.empty()) id = Plan::digest(plan).substr(std::string("sha256:").size(), 16);
      fs::create_directories(home / "plans");
      prepared.plan.save((home / "plans" / (id + ".json")).string());
      forgetOldPlans(home.string());
      audit_->write(who.name, name, "plan", found->revision, "accepted", id);
      reply(res, {{"id", id}, {"revision", found->revision}, {"plan", plan}}, 201);
    } catch (const std::exception& e) {
      if (!revision.empty()) fs::remove_all(home / "planned" / id);
      const auto* failure = dynamic_cast<const operations::Failure*>(&e);
      audit_->write(who.name, name, "plan", found->revision, failure ? "refused" : "failed");
      if (failure) return problem(res, statusOf(*failure), "Unprocessable", failureText(*failure, found->root));
      serverProblem(res, 503, e);
    }
  });
  http_->route("POST", vdc + "/plans/([0-9a-f]{16})/apply", [this, vdcFor, inForce](const Request& req, Response& res) {
    auto [runner, who] = vdcFor(req, res, Role::Operator);
    std::string name = req.matches[1], id = req.matches[3];
    if (!runner) return auditRefusal(req, res, name, "apply");
    fs::path file = fs::path(runner->home()) / "plans" / (id + ".json");
    if (!fs::is_regular_file(file)) {
      audit_->write(who.name, name, "apply", "", "not found", id);
      return problem(res, 404, "Not Found", "no plan " + id + " of VDC '" + name + "' is kept here");
    }
    auto found = inForce(*runner, res);
    if (!found) return audit_->write(who.name, name, "apply", "", "no revision in force", id);
    try {
      operations::Prepared prepared =
          operations::prepareSaved(file.string(), found->target, "vdc serve (token " + who.name + ")", true);
      VdcRunner* kept = runner;
      ApplyEvents progress(name, events_, [kept](Json event) { return kept->withoutServerPaths(std::move(event)); });
      operations::ApplyChoices choices{.parallelism = runner->spec().parallelism, .atomic = runner->spec().atomic,
                                       .observer = &progress};
      ApplyReport report = operations::execute(prepared.plan, *prepared.datacenter, prepared.live,
                                               operations::applyOptions(prepared, choices));
      Json outcomes = Json::array();
      for (const auto& o : report.outcomes) outcomes.push_back({{"address", o.id.str()}, {"result", describeOutcome(o)}});
      audit_->write(who.name, name, "apply", "", report.ok() ? "applied" : "failed", id);
      Json answer = {{"id", id}, {"ok", report.ok()}, {"outcomes", outcomes}};
      if (choices.atomic && !report.ok()) answer["rolledBack"] = report.rolledBack;
      reply(res, answer, report.ok() ? 200 : 500);
    } catch (const operations::Failure& e) {
      audit_->write(who.name, name, "apply", "", "refused", id);
      problem(res, statusOf(e), statusOf(e) == 409 ? "Conflict" : "Unprocessable", failureText(e, found->root));
    } catch (const std::exception& e) {
      audit_->write(who.name, name, "apply", "", "failed", id);
      serverProblem(res, 500, e);
    }
  });

  // The VDC carried out whole (manifests of the revision in force and its
  // disks from the target), as a bundle (docs/bundles.md) streamed from a
  // scratch file. Disks hold data: operators only.
  http_->route("GET", vdc + "/export", [this, vdcFor, inForce](const Request& req, Response& res) {
    auto [runner, who] = vdcFor(req, res, Role::Operator);
    std::string name = req.matches[1];
    if (!runner) return auditRefusal(req, res, name, "export");
    auto found = inForce(*runner, res);
    if (!found) return audit_->write(who.name, name, "export", "", "no revision in force");
    fs::path exports = fs::path(runner->home()) / "exports";
    fs::create_directories(exports);
    std::string file = (exports / (randomId() + ".vdcb")).string();
    try {
      operations::DiskObserver quiet;
      operations::exportBundle({found->directory, found->target, file}, quiet);
    } catch (const operations::Failure& e) {
      fs::remove(file);
      audit_->write(who.name, name, "export", "", "refused");
      return problem(res, statusOf(e), "Unprocessable", failureText(e, found->root));
    } catch (const std::exception& e) {
      fs::remove(file);
      audit_->write(who.name, name, "export", "", "failed");
      return serverProblem(res, 503, e);
    }
    audit_->write(who.name, name, "export", "", "accepted");
    // Open, then unlinked at once: the download reads it, and nothing is
    // left behind however the download ends.
    auto in = std::make_shared<std::ifstream>(file, std::ios::binary);
    uint64_t size = fs::file_size(file);
    fs::remove(file);
    res.setHeader("Content-Disposition", "attachment; filename=\"" + name + ".vdcb\"");
    res.setHeader("Content-Type", "application/x-tar");
    res.stream = Response::Stream{[in]() -> std::optional<std::string> {
                                    std::string piece(1 << 20, '\0');
                                    in->read(piece.data(), static_cast<std::streamsize>(piece.size()));
                                    piece.resize(static_cast<size_t>(in->gcount()));
                                    if (piece.empty()) return std::nullopt;
                                    return piece;
                                  },
                                  size, nullptr};
  });

  // Operator actions: each is written to the audit log, allowed or not.
  auto action = [this, vdcFor](const std::string& name, void (VdcRunner::*act)(const std::string&)) {
    return [this, vdcFor, name, act](const Request& req, Response& res) {
      auto [runner, who] = vdcFor(req, res, Role::Operator);
      std::string vdcName = req.matches[1];
      if (!runner) return auditRefusal(req, res, vdcName, name);
      try {
        (runner->*act)(who.name);
      } catch (const std::exception& e) {
        audit_->write(who.name, vdcName, name, "", "failed");
        return serverProblem(res, 500, e);
      }
      audit_->write(who.name, vdcName, name, "", "accepted");
      reply(res, {{"vdc", vdcName}, {"action", name}, {"accepted", true}}, 202);
    };
  };
  http_->route("POST", vdc + "/sync", action("sync", &VdcRunner::syncNow));
  http_->route("POST", vdc + "/suspend", action("suspend", &VdcRunner::suspend));
  http_->route("POST", vdc + "/resume", action("resume", &VdcRunner::resume));

  // Progress as server-sent events, of the VDCs the caller may see.
  http_->route("GET", "/api/v1/events", [this, principalOf](const Request& req, Response& res) {
    auto principal = principalOf(req, res);
    if (!principal) return;
    auto stream = events_.open();
    if (!stream) {
      res.setHeader("Retry-After", "30");
      problem(res, 503, "Service Unavailable", "too many event streams are open; try again later");
      return;
    }
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("Content-Type", "text/event-stream");
    res.stream = Response::Stream{[stream, principal]() -> std::optional<std::string> {
                                    auto frame = stream->next(std::chrono::seconds(15));
                                    if (stream->closed()) return std::nullopt;
                                    if (!frame) return ": keepalive\n\n";
                                    // Only the VDCs this caller may see.
                                    if (!frame->vdc.empty() && principal->roleFor(frame->vdc) == Role::None) return "";
                                    return frame->text;
                                  },
                                  std::nullopt, [this, stream] { events_.close(stream); }};
  });

  addConsoleRoutes(*http_);

  // What no route answers, and what a handler throws: a problem document
  // that names no internals (the log has the exception).
  http_->onError([](const Request&, Response& res) {
    std::string detail = res.body;
    if (detail.empty())
      detail = res.status == 404 ? "no such resource" : res.status == 405 ? "this resource does not take that method"
                                                                          : "the server could not answer; its log says why";
    std::string title = res.status == 404 ? "Not Found" : res.status == 405 ? "Method Not Allowed"
                        : res.status == 413 ? "Content Too Large" : res.status == 431 ? "Request Header Fields Too Large"
                        : res.status == 400 ? "Bad Request" : "Internal Server Error";
    problem(res, res.status, title, detail);
  });
}

}  // namespace vdc::serve
