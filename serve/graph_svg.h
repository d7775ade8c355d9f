// A dependency graph drawn as SVG on the server, with Graphviz's own
// library (dot layout), so the console shows it without a script of its own.
#pragma once

#include <string>

namespace vdc::serve {

// The SVG of a graph in DOT; throws Error when Graphviz cannot lay it out.
// Graphviz keeps global state: calls are made one at a time.
std::string svgOf(const std::string& dot);

}  // namespace vdc::serve
