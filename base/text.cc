#include "base/text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace vdc {

size_t utf8SequenceAt(std::string_view text, size_t at) {
  unsigned char c = text[at];
  size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  bool valid = length > 0 && at + length <= text.size() && !(length == 2 && c < 0xC2) && c <= 0xF4;
  for (size_t k = 1; valid && k < length; ++k) valid = (static_cast<unsigned char>(text[at + k]) >> 6) == 0x2;
  if (valid && length > 2) {
    // RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF.
    unsigned char second = text[at + 1];
    valid = !(c == 0xE0 && second < 0xA0) && !(c == 0xED && second > 0x9F) && !(c == 0xF0 && second < 0x90) &&
            !(c == 0xF4 && second > 0x8F);
  }
  return valid ? length : 0;
}

namespace {

// The code point of the valid sequence of `length` bytes at text[at].
char32_t codePointAt(std::string_view text, size_t at, size_t length) {
  static constexpr unsigned char kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  char32_t point = static_cast<unsigned char>(text[at]) & kLeadMask[length];
  for (size_t k = 1; k < length; ++k) point = (point << 6) | (static_cast<unsigned char>(text[at + k]) & 0x3F);
  return point;
}

// C1 controls (U+0085 is a line break to some YAML readers), the line
// and paragraph separators, the marks and overrides that reorder displayed
// text, and the characters that show as nothing (zero-width, the BOM, the
// soft hyphen): what hides or moves text that is printed.
bool isHiddenControl(char32_t point) {
  return (point >= 0x80 && point <= 0x9F) || point == 0x00AD || point == 0x061C || (point >= 0x200B && point <= 0x200F) ||
         (point >= 0x2028 && point <= 0x202E) || (point >= 0x2060 && point <= 0x2064) ||
         (point >= 0x2066 && point <= 0x2069) || point == 0xFEFF;
}

std::string escape(std::string_view text, bool keepLines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    size_t length = utf8SequenceAt(text, i);
    bool control = c < 0x20 || c == 0x7F;
    if (keepLines && (c == '\n' || c == '\t')) control = false;
    if (length == 0 || control) {
      char code[5];
      std::snprintf(code, sizeof code, "\\x%02X", c);
      out += code;
      ++i;
    } else if (length > 1 && isHiddenControl(codePointAt(text, i, length))) {
      char code[7];
      std::snprintf(code, sizeof code, "\\u%04X", static_cast<unsigned>(codePointAt(text, i, length)));
      out += code;
      i += length;
    } else if (c == '\\' && !keepLines) {
      out += "\\\\";
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

}  // namespace

std::string printable(std::string_view text) { return escape(text, false); }

std::string lowerCase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string printableMessage(std::string_view text) { return escape(text, true); }

namespace {

// Where the user-info of `url` is: [start, at) before the '@' at `at`.
bool userInfoSpan(std::string_view url, size_t& start, size_t& at) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  start = scheme + 3;
  size_t authorityEnd = url.find_first_of("/?#", start);
  std::string_view authority = url.substr(start, authorityEnd == std::string_view::npos ? url.size() - start
                                                                                          : authorityEnd - start);
  size_t last = authority.rfind('@');
  if (last == std::string_view::npos) return false;
  at = start + last;
  return true;
}

}  // namespace

std::string withoutUserInfo(std::string_view url) {
  size_t start = 0, at = 0;
  if (!userInfoSpan(url, start, at)) return std::string(url);
  return std::string(url.substr(0, start)) + std::string(url.substr(at + 1));
}

std::string userInfo(std::string_view url) {
  size_t start = 0, at = 0;
  if (!userInfoSpan(url, start, at)) return "";
  return std::string(url.substr(start, at - start));
}

static size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t cost = (a[i - 1] == b[j - 1]) ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  // A suggestion is for a typo in a name: a long word, or a long list to
  // search, would only cost time (an edit distance is quadratic).
  if (word.size() > kLongestSuggested || candidates.size() > kMostSuggestionCandidates) return std::nullopt;
  std::optional<std::string> best;
  size_t bestDistance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    size_t gap = candidate.size() > word.size() ? candidate.size() - word.size() : word.size() - candidate.size();
    if (gap >= bestDistance || candidate.size() > kLongestSuggested) continue;
    size_t d = editDistance(word, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

}  // namespace vdc
