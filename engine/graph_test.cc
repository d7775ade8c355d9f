#include "engine/graph.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/test_support.h"

namespace vdc {

static size_t position(const DependencyGraph& g, const std::vector<size_t>& order, const ResourceId& id) {
  for (size_t i = 0; i < order.size(); ++i)
    if (g.id(order[i]) == id) return i;
  return order.size();
}

TEST(Graph, OrdersDependenciesFirst) {
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(
      "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: 10.0.0.0/24}\n---\n"
      "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: v}\nspec: {size: 1GiB}\n---\n"
      "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: i}\nspec:\n  interfaces: [{network: n}]\n"
      "  volumes: [{volume: v}]\n",
      diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  auto g = DependencyGraph::of(vdc);
  auto order = g.order();
  ASSERT_EQ(order.size(), 4u);
  size_t vdcAt = position(g, order, {Kind::VirtualDataCenter, "test"});
  size_t instanceAt = position(g, order, {Kind::Instance, "i"});
  EXPECT_LT(vdcAt, position(g, order, {Kind::Network, "n"}));
  EXPECT_LT(position(g, order, {Kind::Network, "n"}), instanceAt);
  EXPECT_LT(position(g, order, {Kind::Volume, "v"}), instanceAt);
}

TEST(Graph, FindsEachCycleOnce) {
  std::vector<ResourceId> ids = {{Kind::Instance, "a"}, {Kind::Instance, "b"}, {Kind::Instance, "c"}, {Kind::Instance, "d"}};
  DependencyGraph g(ids, {{ids[1]}, {ids[0]}, {ids[3]}, {ids[2]}});
  auto cycles = g.cycles();
  ASSERT_EQ(cycles.size(), 2u);
  EXPECT_EQ(cycles[0].size(), 3u);
  EXPECT_EQ(cycles[0].front(), cycles[0].back());
}

TEST(Graph, PrintsDot) {
  std::vector<ResourceId> ids = {{Kind::Network, "n"}, {Kind::Instance, "i"}};
  DependencyGraph g(ids, {{}, {ids[0]}});
  std::string dot = g.dot("x");
  EXPECT_NE(dot.find("digraph \"x\" {"), std::string::npos);
  EXPECT_NE(dot.find("\"Instance/i\" -> \"Network/n\";"), std::string::npos) << dot;
}

}  // namespace vdc
