// Text that came from outside, made safe to print: a name or a value may
// hold control bytes (a terminal's escape sequences, a carriage return that
// hides the start of a line) or bytes that are not UTF-8.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vdc {

// `text` with every control byte and every byte that is not part of valid
// UTF-8 written as \xNN (and a backslash as \\), and every C1 control,
// line or paragraph separator, bidirectional override or isolate (which
// reorder what a terminal or an editor shows: U+202E turns "exe.txt"
// around) and character that shows as nothing (zero-width, BOM, soft
// hyphen) as \uXXXX: one line, safe on a terminal and in Markdown.
std::string printable(std::string_view text);

// The same for a message of several lines: line feeds and tabs are kept.
std::string printableMessage(std::string_view text);

// A URL as it may be shown or stored: without the user-info (a user name
// and password, or a token) before the host: "https://token@host/x" is
// "https://host/x". Text that is not a URL with user-info is returned whole.
std::string withoutUserInfo(std::string_view url);

// The user-info of a URL ("" when none): what withoutUserInfo drops.
std::string userInfo(std::string_view url);

// `text` with its ASCII letters in lower case (host names, header names).
std::string lowerCase(std::string text);

// The closest of `candidates` to `word`, if it is close enough to be a typo;
// none for a word longer than 64 bytes or more than 10,000 candidates.
inline constexpr size_t kLongestSuggested = 64, kMostSuggestionCandidates = 10'000;
std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

// The length of the valid UTF-8 sequence at text[at] (0 when it is not one).
size_t utf8SequenceAt(std::string_view text, size_t at);

}  // namespace vdc
