#include "serve/server.h"

#include <algorithm>
#include <filesystem>
#include <regex>

#include <spdlog/spdlog.h>

#include "base/safe_file.h"
#include "base/text.h"
#include "serve/console.h"
#include "serve/http_server.h"
#include "serve/routes.h"

namespace vdc::serve {

namespace fs = std::filesystem;

namespace {

// The host part of a Host header ("vdc.example.org:8470", "[::1]:8470"), lower-case.
std::string hostPart(std::string host) {
  if (host.starts_with("[")) host = host.substr(1, host.find(']') - 1);
  else host = host.substr(0, host.find(':'));
  return lowerCase(host);
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
  api_ = std::make_unique<Api>(config_, tokens_, *audit_, events_, vdcs_);

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
  guard();
  Api& api = *api_;
  const std::string vdc = R"(/api/v1/vdcs/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?))";
  // Quick routes are answered on the I/O thread: whatever the handlers are
  // busy with, health and what one controller last published (copied under
  // its lock) answer. The list's cost grows with the VDCs: it runs with the
  // other handlers.
  constexpr bool quick = true;
  http_->route("GET", "/api/v1/health", [](const Request&, Response& res) { reply(res, {{"status", "ok"}}); }, quick);
  http_->route("GET", "/api/v1/vdcs", listVdcs(api));
  http_->route("GET", vdc, showVdc(api), quick);
  http_->route("GET", vdc + "/history", vdcHistory(api), quick);
  http_->route("GET", vdc + "/resources", vdcResources(api));
  http_->route("GET", vdc + "/plan", vdcPlan(api));
  http_->route("GET", vdc + "/graph", vdcGraph(api));
  http_->route("POST", vdc + "/plans", makePlan(api));
  http_->route("POST", vdc + "/plans/([0-9a-f]{16})/apply", applyPlan(api));
  http_->route("GET", vdc + "/export", exportVdc(api));
  http_->route("POST", vdc + "/sync", vdcAction(api, "sync", &VdcRunner::syncNow));
  http_->route("POST", vdc + "/suspend", vdcAction(api, "suspend", &VdcRunner::suspend));
  http_->route("POST", vdc + "/resume", vdcAction(api, "resume", &VdcRunner::resume));
  http_->route("GET", "/api/v1/events", eventStream(api));
  addConsoleRoutes(*http_);

  // What no route answers, and what a handler throws: a problem document
  // that names no internals (the log has the exception).
  http_->onError([](const Request&, Response& res) {
    std::string detail = res.body;
    if (detail.empty())
      detail = res.status == 404 ? "no such resource" : res.status == 405 ? "this resource does not take that method"
                                                                          : "the server could not answer; its log says why";
    problem(res, res.status, detail);
  });
}

// A page of another site (or a name rebound to this address) gets no
// answer: the Host must be a name this server answers to, and a mutating
// call's Origin, when a browser sends one, this server's own. What is
// refused before a route runs is audited like any other call.
void Server::guard() {
  http_->before([this](const Request& req, Response& res) {
    std::string host = hostPart(req.header("Host"));
    bool known = host == config_.host || std::find(config_.serverNames.begin(), config_.serverNames.end(), host) !=
                                                         config_.serverNames.end();
    if (isLoopback(config_.host)) known = known || host == "localhost" || host == "127.0.0.1" || host == "::1";
    if (!known) {
      problem(res, 421,
              "this server answers to " + config_.host + (config_.serverNames.empty() ? "" : " and its serverNames") +
                  ", not to the Host this request names");
    } else if (std::string origin = req.header("Origin"); req.method == "POST" && !origin.empty()) {
      std::string own = std::string(config_.tls() ? "https://" : "http://") + req.header("Host");
      if (origin != own) problem(res, 403, "a call that changes something is taken only from this server's own pages");
    }
    if (res.status != 0) auditRefused(req, req.method, req.path, res.status);
  });
  http_->onRefusal([this](const std::string& method, const std::string& path, int status) {
    auditRefused(Request{}, method, path, status);
  });
}

}  // namespace vdc::serve
