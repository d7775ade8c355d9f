#include "engine/units.h"

#include <gtest/gtest.h>

namespace vdc {

TEST(Units, ParsesBinarySizes) {
  EXPECT_EQ(parseSize("512MiB"), 512ull << 20);
  EXPECT_EQ(parseSize("20GiB"), 20ull << 30);
  EXPECT_EQ(parseSize("1TiB"), 1ull << 40);
  EXPECT_EQ(parseSize("4096"), 4096u);
  EXPECT_FALSE(parseSize("20GB"));
  EXPECT_FALSE(parseSize("GiB"));
  EXPECT_FALSE(parseSize("-1GiB"));
  EXPECT_FALSE(parseSize("99999999999TiB"));
}

TEST(Units, FormatsSizesInTheLargestExactUnit) {
  EXPECT_EQ(formatSize(512ull << 20), "512MiB");
  EXPECT_EQ(formatSize(1ull << 30), "1GiB");
  EXPECT_EQ(formatSize(1536ull << 20), "1536MiB");
  EXPECT_EQ(formatSize(100), "100B");
}

TEST(Units, ParsesCidrAndAddresses) {
  auto cidr = Cidr::parse("10.0.1.0/24");
  ASSERT_TRUE(cidr);
  EXPECT_EQ(cidr->firstHost().str(), "10.0.1.1");
  EXPECT_EQ(cidr->lastHost().str(), "10.0.1.254");
  EXPECT_TRUE(cidr->contains(*Ipv4::parse("10.0.1.77")));
  EXPECT_FALSE(cidr->contains(*Ipv4::parse("10.0.2.1")));
  EXPECT_FALSE(Cidr::parse("10.0.1.5/24"));  // not the network address
  EXPECT_FALSE(Cidr::parse("10.0.1.0/33"));
  EXPECT_FALSE(Cidr::parse("10.0.1.0"));
  EXPECT_FALSE(Ipv4::parse("256.1.1.1"));
  EXPECT_FALSE(Ipv4::parse("1.2.3"));
  EXPECT_FALSE(Ipv4::parse("01.2.3.4"));
  EXPECT_TRUE(Cidr::parse("0.0.0.0/0"));
}

TEST(Units, ChecksDnsLabels) {
  EXPECT_TRUE(isDnsLabel("web-0"));
  EXPECT_TRUE(isDnsLabel(std::string(63, 'a')));
  EXPECT_FALSE(isDnsLabel(std::string(64, 'a')));
  EXPECT_FALSE(isDnsLabel("Web"));
  EXPECT_FALSE(isDnsLabel("-web"));
  EXPECT_FALSE(isDnsLabel("web-"));
  EXPECT_FALSE(isDnsLabel("web_0"));
  EXPECT_FALSE(isDnsLabel(""));
}

TEST(Units, DurationsAreWholeSecondsMinutesOrHours) {
  EXPECT_EQ(parseDuration("90"), std::chrono::seconds(90));
  EXPECT_EQ(parseDuration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(parseDuration("5m"), std::chrono::seconds(300));
  EXPECT_EQ(parseDuration("1h"), std::chrono::seconds(3600));
  EXPECT_EQ(formatDuration(std::chrono::minutes(2)), "120s");
  for (const char* bad : {"", "s", "0s", "-1", "1d", "1.5s", "1234567890s", " 5s"}) EXPECT_FALSE(parseDuration(bad)) << bad;
}

}  // namespace vdc
