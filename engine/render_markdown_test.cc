// A plan as Markdown for a code review: what a reviewer reads first comes
// first, and nothing a manifest says can break the page.
#include "engine/render_markdown.h"

#include <gtest/gtest.h>

namespace vdc {
namespace {

Plan reviewed() {
  Plan plan;
  plan.vdc = "shop";
  plan.target = "qemu:///system";
  plan.unchanged = 7;
  Change create;
  create.id = {Kind::Network, "extra"};
  create.after = {{"cidr", "10.9.0.0/24"}};
  Change update;
  update.id = {Kind::Instance, "web-0"};
  update.action = Action::Update;
  update.fields = {{"cpus", 2, 4, false, false, true}, {"userData", "a", "b|`c`", false, false, false}};
  Change drifted;
  drifted.id = {Kind::Instance, "web-1"};
  drifted.action = Action::Update;
  drifted.drift = true;
  drifted.fields = {{"state", "stopped", "running", false, true, false}};
  Change replace;
  replace.id = {Kind::Volume, "data"};
  replace.action = Action::Replace;
  replace.physical = "shop.vol.data";
  replace.fields = {{"storageClass", "standard", "fast", true, false, false}};
  Change remove;
  remove.id = {Kind::Volume, "old"};
  remove.action = Action::Delete;
  remove.physical = "shop.vol.old";
  plan.changes = {create, update, drifted, replace, remove};
  return plan;
}

TEST(Markdown, SaysWhatChangesWithDeletesAndReplacementsFirst) {
  std::string out = renderMarkdown(reviewed(), {std::string(40, 'a'), std::string(40, 'b')});
  EXPECT_TRUE(out.starts_with("### vdc plan: VDC `shop` on `qemu:///system`\n")) << out;
  EXPECT_NE(out.find("Manifests at revision `" + std::string(40, 'a') + "`."), std::string::npos) << out;
  EXPECT_NE(out.find("The target has revision `" + std::string(40, 'b') + "` in force."), std::string::npos) << out;
  EXPECT_NE(out.find("**Plan: 1 to create, 2 to update, 1 to replace, 1 to delete, 7 unchanged.**"), std::string::npos)
      << out;
  size_t deletes = out.find("#### Delete (1)"), replaces = out.find("#### Replace (1)"),
         updates = out.find("#### Update (2)"), creates = out.find("#### Create (1)");
  ASSERT_NE(deletes, std::string::npos) << out;
  EXPECT_LT(deletes, replaces);
  EXPECT_LT(replaces, updates);
  EXPECT_LT(updates, creates);
  EXPECT_NE(out.find("- `Volume/old` (`shop.vol.old` goes)"), std::string::npos) << out;
  EXPECT_NE(out.find("| `storageClass` | `\"standard\"` | `\"fast\"` | forces replacement |"), std::string::npos) << out;
  EXPECT_NE(out.find("| `cpus` | `2` | `4` | restarts the instance |"), std::string::npos) << out;
  EXPECT_NE(out.find("  - `cidr`: `\"10.9.0.0/24\"`"), std::string::npos) << out;
}

TEST(Markdown, DriftIsCalledOut) {
  std::string out = renderMarkdown(reviewed());
  EXPECT_NE(out.find("> **Drift:** 1 resource was changed outside vdc; this plan puts it back."), std::string::npos)
      << out;
  EXPECT_NE(out.find("- `Instance/web-1` **drift**"), std::string::npos) << out;
  EXPECT_NE(out.find("| `state` | `\"stopped\"` | `\"running\"` | drift: changed outside vdc |"), std::string::npos)
      << out;
  EXPECT_EQ(out.find("Manifests at revision"), std::string::npos) << "no revision was known";
}

TEST(Markdown, AValueCannotBreakTheTableOrTheCodeSpan) {
  std::string out = renderMarkdown(reviewed());
  EXPECT_NE(out.find("| `userData` | `\"a\"` | `\"b\\|'c'\"` |"), std::string::npos) << out;
  Plan plan = reviewed();
  plan.changes[0].after = {{"note", std::string(500, 'x') + "\n<script>"}};
  out = renderMarkdown(plan);
  EXPECT_EQ(out.find("<script>\n"), std::string::npos) << out;
  EXPECT_NE(out.find(std::string(199, 'x') + "...`"), std::string::npos) << out;
}

TEST(Markdown, NoChangesIsOneLine) {
  Plan plan;
  plan.vdc = "shop";
  plan.target = "embedded datacenter .vdc/sim.xml";
  plan.unchanged = 18;
  EXPECT_EQ(renderMarkdown(plan), "### vdc plan: VDC `shop` on `embedded datacenter .vdc/sim.xml`\n\n"
                                  "**No changes: the datacenter matches the manifests (18 resources).**\n");
}

}  // namespace
}  // namespace vdc
