#include "base/text.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace vdc {

TEST(Printable, EscapesEveryControlByteAndWhatIsNotUtf8) {
  EXPECT_EQ(printable("web-0"), "web-0");
  EXPECT_EQ(printable("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");  // UTF-8 stays as it is
  for (int c = 0; c < 0x20; ++c) {
    std::string one(1, static_cast<char>(c));
    char expected[5];
    std::snprintf(expected, sizeof expected, "\\x%02X", c);
    EXPECT_EQ(printable(one), expected);
  }
  EXPECT_EQ(printable("\x7F"), "\\x7F");
  EXPECT_EQ(printable("a\x1b[2Jb"), "a\\x1B[2Jb");       // a terminal's escape sequence
  EXPECT_EQ(printable("\xC0\xAF"), "\\xC0\\xAF");        // an overlong '/'
  EXPECT_EQ(printable("\xED\xA0\x80"), "\\xED\\xA0\\x80");  // a surrogate
  EXPECT_EQ(printable("\xE2\x82"), "\\xE2\\x82");          // cut short
  EXPECT_EQ(printable("a\\x41"), "a\\\\x41");              // an escape cannot be forged
}

// What reorders or hides text on a terminal or in an editor, though valid UTF-8.
TEST(Printable, EscapesC1ControlsAndBidirectionalOverrides) {
  EXPECT_EQ(printable("a\xC2\x85" "b\xC2\x9B" "c\xC2\x80\xC2\x9F"), "a\\u0085b\\u009Bc\\u0080\\u009F");
  EXPECT_EQ(printable("invoice\xE2\x80\xAEtxt.exe"), "invoice\\u202Etxt.exe");  // RIGHT-TO-LEFT OVERRIDE
  for (const char* mark : {"\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD", "\xE2\x81\xA6",
                           "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9", "\xE2\x80\x8E", "\xE2\x80\x8F",
                           "\xD8\x9C", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\x8B", "\xEF\xBB\xBF",
                           "\xC2\xAD", "\xE2\x81\xA0"})
    EXPECT_EQ(printable(mark).substr(0, 2), "\\u") << printable(mark);
  EXPECT_EQ(printable("\xC2\xA0\xC2\xA9 \xE2\x80\x90 \xD8\xB9"), "\xC2\xA0\xC2\xA9 \xE2\x80\x90 \xD8\xB9") << "their neighbours stay";
  EXPECT_EQ(printableMessage("one\n\xE2\x80\xAEtwo"), "one\n\\u202Etwo");
}

TEST(Printable, AMessageKeepsItsLines) {
  EXPECT_EQ(printableMessage("one\n\ttwo\r\x1b"), "one\n\ttwo\\x0D\\x1B");
}

TEST(Printable, NoErrorCarriesAControlByte) {
  Error e("invalid name 'a\rb\x1b[31m'", {"dir/x\n.yaml", 3, 4});
  EXPECT_EQ(std::string(e.what()), "dir/x\\x0A.yaml:3:4: invalid name 'a\\x0Db\\x1B[31m'");
  EXPECT_EQ(e.message(), "invalid name 'a\\x0Db\\x1B[31m'");
}

TEST(Urls, UserInfoIsNeverShown) {
  EXPECT_EQ(withoutUserInfo("https://alice:s3cret@git.example.org/ops/shop.git"), "https://git.example.org/ops/shop.git");
  EXPECT_EQ(withoutUserInfo("https://ghp_TOKEN@git.example.org/x"), "https://git.example.org/x");
  EXPECT_EQ(withoutUserInfo("http://u:p@a@host:8080/x?y=@z"), "http://host:8080/x?y=@z");  // the last '@' before the path
  EXPECT_EQ(withoutUserInfo("https://host/path@thing"), "https://host/path@thing");   // an '@' after the host stays
  EXPECT_EQ(withoutUserInfo("/srv/repos/shop.git"), "/srv/repos/shop.git");
  EXPECT_EQ(userInfo("https://alice:s3cret@host/x"), "alice:s3cret");
  EXPECT_EQ(userInfo("https://host/x"), "");
}

TEST(Text, SuggestsCloseMatchesOnly) {
  EXPECT_EQ(closestMatch("cpu", {"cpus", "memory"}), "cpus");
  EXPECT_EQ(closestMatch("memroy", {"cpus", "memory"}), "memory");
  EXPECT_FALSE(closestMatch("volume", {"cpus", "memory"}));
}

}  // namespace vdc
