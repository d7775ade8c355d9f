#include "serve/console.h"

#include <httplib.h>

#include <string>

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

void serveFile(std::string_view name, httplib::Response& res) {
  auto found = consoleFiles().find(name);
  if (found == consoleFiles().end()) {
    res.status = 404;
    return;
  }
  res.set_header("Content-Security-Policy", kPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::string(found->second), mediaTypeOf(name).c_str());
}

}  // namespace

void addConsoleRoutes(httplib::Server& http) {
  http.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/console/"); });
  http.Get("/console", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/console/"); });
  http.Get("/console/", [](const httplib::Request&, httplib::Response& res) { serveFile("index.html", res); });
  http.Get(R"(/console/([a-z]+\.[a-z]+))",
           [](const httplib::Request& req, httplib::Response& res) { serveFile(req.matches[1].str(), res); });
}

}  // namespace vdc::serve
