// --deny: which changes of a plan a review forbids.
#include "engine/policy.h"

#include <gtest/gtest.h>

#include "engine/error.h"

namespace vdc {
namespace {

Change change(Kind kind, const std::string& name, Action action) {
  Change c;
  c.id = {kind, name};
  c.action = action;
  return c;
}

TEST(Policy, DeleteDeniesDeletesAndReplacementsOfItsKind) {
  Plan plan;
  plan.changes = {change(Kind::Volume, "data", Action::Replace), change(Kind::Volume, "old", Action::Delete),
                  change(Kind::Network, "spare", Action::Delete), change(Kind::Volume, "new", Action::Create)};
  EXPECT_EQ(deniedChanges(plan, {parseDenial("delete:Volume")}),
            (std::vector<std::string>{"the plan replaces Volume/data, which --deny delete:Volume forbids",
                                      "the plan deletes Volume/old, which --deny delete:Volume forbids"}));
  EXPECT_EQ(deniedChanges(plan, {parseDenial("delete")}).size(), 3u);
  EXPECT_EQ(deniedChanges(plan, {parseDenial("replace")}),
            (std::vector<std::string>{"the plan replaces Volume/data, which --deny replace forbids"}));
  EXPECT_TRUE(deniedChanges(plan, {parseDenial("update"), parseDenial("create:Network")}).empty());
  EXPECT_EQ(deniedChanges(plan, {parseDenial("delete"), parseDenial("replace")}).size(), 3u) << "one line a change";
}

TEST(Policy, AWrongDenialSaysWhatIsWrong) {
  EXPECT_THROW(parseDenial("remove"), Error);
  try {
    parseDenial("delete:Volumes");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "--deny delete:Volumes: 'Volumes' is no kind");
  }
}

}  // namespace
}  // namespace vdc
