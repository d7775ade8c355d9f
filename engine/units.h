// Small value types of the manifest language: sizes, IPv4 addresses and
// CIDR blocks, durations, DNS-label names, and the "did you mean" suggestion.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vdc {

// "512MiB", "20GiB", "1TiB" (binary units; a bare number is bytes).
std::optional<uint64_t> parseSize(std::string_view text);
// The shortest exact spelling: 536870912 -> "512MiB".
std::string formatSize(uint64_t bytes);

// "90", "90s", "5m", "1h": a positive whole number of seconds, minutes or
// hours (at most nine digits).
std::optional<std::chrono::seconds> parseDuration(std::string_view text);
// Canonical spelling: "90s".
inline std::string formatDuration(std::chrono::seconds d) { return std::to_string(d.count()) + "s"; }

struct Ipv4 {
  uint32_t value = 0;
  static std::optional<Ipv4> parse(std::string_view text);
  std::string str() const;
};

struct Cidr {
  Ipv4 base;
  int prefix = 0;
  static std::optional<Cidr> parse(std::string_view text);  // base must be the network address
  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  bool contains(Ipv4 ip) const { return (ip.value & mask()) == base.value; }
  Ipv4 network() const { return base; }
  Ipv4 broadcast() const { return Ipv4{base.value | ~mask()}; }
  Ipv4 firstHost() const { return Ipv4{base.value + (prefix >= 31 ? 0 : 1)}; }
  Ipv4 lastHost() const { return Ipv4{broadcast().value - (prefix >= 31 ? 0 : 1)}; }
  std::string str() const;
};

// A port (1 to 65535) or a range of them, "22" or "8000-8080".
bool isPortRange(std::string_view text);

// DNS label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
bool isDnsLabel(std::string_view name);

// Now, as RFC 3339 UTC: "2026-11-25T18:05:54Z".
std::string utcNow();

}  // namespace vdc
