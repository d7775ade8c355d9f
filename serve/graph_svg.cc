#include "serve/graph_svg.h"

#include <gvc.h>

#include <memory>
#include <mutex>

#include "base/error.h"
#include "base/release.h"

namespace vdc::serve {

namespace {

using GraphvizContext = std::unique_ptr<GVC_t, Release<gvFreeContext>>;
using Graph = std::unique_ptr<Agraph_t, Release<agclose>>;

std::mutex graphviz;

}  // namespace

std::string svgOf(const std::string& dot) {
  std::lock_guard lock(graphviz);
  static GraphvizContext context(gvContext());
  if (!context) throw Error("cannot start Graphviz");
  Graph graph(agmemread(dot.c_str()));
  if (!graph) throw Error("Graphviz cannot read the graph");
  if (gvLayout(context.get(), graph.get(), "dot") != 0) throw Error("Graphviz cannot lay the graph out");
  char* data = nullptr;
  unsigned int length = 0;
  int rendered = gvRenderData(context.get(), graph.get(), "svg", &data, &length);
  std::string svg = rendered == 0 && data ? std::string(data, length) : "";
  gvFreeRenderData(data);
  gvFreeLayout(context.get(), graph.get());
  if (svg.empty()) throw Error("Graphviz cannot draw the graph as SVG");
  return svg;
}

}  // namespace vdc::serve
