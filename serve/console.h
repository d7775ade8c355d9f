// The web console: static files (serve/console/) built into the binary and
// served under /console/, with headers that let the page load nothing from
// elsewhere and run no script but its own.
#pragma once

#include <map>
#include <string_view>

namespace vdc::serve {

class HttpServer;

// Each file of serve/console/ by its name (made at build time).
const std::map<std::string_view, std::string_view>& consoleFiles();

// GET / (to the console), /console/ and /console/FILE.
void addConsoleRoutes(HttpServer& http);

}  // namespace vdc::serve
