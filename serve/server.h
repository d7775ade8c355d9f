// `vdc serve`: the VDCs of a configuration (serve/config.h), each kept by its
// own controller (serve/vdc_runner.h), and the Web API over them (/api/v1,
// specs/openapi.yaml): JSON, bearer tokens with a role per VDC, RFC 9457
// problem documents for errors, server-sent events for progress, an audit
// line for every mutating call, and bounds on bodies, time and streams.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "serve/api.h"
#include "serve/audit.h"
#include "serve/config.h"
#include "serve/events.h"
#include "serve/http_message.h"
#include "serve/tokens.h"
#include "serve/vdc_runner.h"

namespace vdc::serve {

class HttpServer;

class Server {
 public:
  explicit Server(ServeConfig config);
  ~Server();

  // Starts every VDC's controller and binds the listening socket; throws
  // Error when it cannot. The port actually bound (config port 0: any).
  int start();
  // Serves until stop() (from a signal handler's thread, or a test).
  void serve();
  // Stops accepting, ends the event streams, then waits for each VDC's
  // apply in flight: a drain.
  void stop();

 private:
  void routes();
  void guard();
  void auditRefused(const Request& req, const std::string& method, const std::string& path, int status);

  ServeConfig config_;
  Tokens tokens_;
  EventBus events_;
  std::unique_ptr<AuditLog> audit_;
  std::map<std::string, std::unique_ptr<VdcRunner>> vdcs_;
  std::unique_ptr<Api> api_;  // what the route handlers share (serve/routes.h)
  std::unique_ptr<HttpServer> http_;
};

}  // namespace vdc::serve
