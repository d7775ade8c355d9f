// Validation is bounded whatever the input: each manifest here is a few
// tens of kilobytes written to make vdc do as much as it can, and each is
// refused with a bounded report. Their time and memory are measured by
// bench/hostile_bench.cc, on the same inputs (tests/hostile_manifests.h).
#include <gtest/gtest.h>

#include "tests/hostile_manifests.h"
#include "base/text.h"
#include "engine/addresses.h"
#include "engine/test_support.h"

namespace vdc {

namespace {

size_t lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

TEST(Bounds, EveryHostileManifestIsSmallAndRefusedWithABoundedReport) {
  for (const auto& hostile : bench::hostileManifests()) {
    EXPECT_LT(hostile.yaml.size(), 64u << 10) << hostile.name;
    Diagnostics diags;
    Vdc vdc = testing::loadYaml(hostile.yaml, diags, false);
    if (diags.empty()) planAddresses(vdc, LiveState{}, diags);
    EXPECT_FALSE(diags.empty()) << hostile.name << " was accepted";
    EXPECT_NE(diags.str().find(hostile.expected), std::string::npos) << hostile.name << ":\n" << diags.str().substr(0, 2000);
    EXPECT_LE(lines(diags.str()), Diagnostics::kMostKept + 1) << hostile.name;
    EXPECT_LT(diags.str().size(), 1u << 20) << hostile.name;
  }
}

TEST(Bounds, ErrorsBeyondTheFirstThousandAreCountedNotKept) {
  Diagnostics diags;
  for (int i = 0; i < 5000; ++i) diags.add({"f.yaml", i + 1, 1}, "bad");
  EXPECT_EQ(diags.size(), 5000u);
  EXPECT_EQ(diags.all().size(), Diagnostics::kMostKept);
  EXPECT_NE(diags.str().find("... and 4000 more errors\n"), std::string::npos);
  Diagnostics more;
  more.add({}, "one");
  more.merge(std::move(diags));
  EXPECT_EQ(more.size(), 5001u);
  EXPECT_NE(more.str().find("... and 4001 more errors\n"), std::string::npos);
}

TEST(Bounds, DidYouMeanIsOnlyForShortNames) {
  EXPECT_EQ(closestMatch("cpuss", {"cpus", "memory"}), "cpus");
  EXPECT_EQ(closestMatch(std::string(65, 'c'), {std::string(64, 'c')}), std::nullopt);
  std::vector<std::string> many(10'001, "cpus");
  EXPECT_EQ(closestMatch("cpuss", many), std::nullopt);
}

}  // namespace vdc
