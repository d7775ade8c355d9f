#include "serve/console.h"

#include <string>

#include "serve/http_server.h"

namespace vdc::serve {

namespace {

std::string mediaTypeOf(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

// The page talks only to this server; the graph arrives as a blob: image.
constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void serveFile(std::string_view name, Response& res) {
  auto found = consoleFiles().find(name);
  if (found == consoleFiles().end()) {
    res.status = 404;
    res.setContent("no such file\n", "text/plain; charset=utf-8");
    return;
  }
  res.setHeader("Content-Security-Policy", kPolicy);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cache-Control", "no-cache");
  res.setContent(std::string(found->second), mediaTypeOf(name));
}

}  // namespace

// From memory, at once: they run on the I/O thread.
void addConsoleRoutes(HttpServer& http) {
  auto toConsole = [](const Request&, Response& res) { res.redirect("/console/"); };
  http.route("GET", "/", toConsole, true);
  http.route("GET", "/console", toConsole, true);
  http.route("GET", "/console/", [](const Request&, Response& res) { serveFile("index.html", res); }, true);
  http.route("GET", R"(/console/([a-z]+\.[a-z]+))",
             [](const Request& req, Response& res) { serveFile(req.matches[1], res); }, true);
}

}  // namespace vdc::serve
