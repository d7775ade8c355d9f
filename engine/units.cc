#include "engine/units.h"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace vdc {

namespace {

struct Unit {
  const char* suffix;
  int shift;
};
// Longest suffix first so "MiB" is not read as "B".
constexpr Unit kUnits[] = {{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}};

bool parseUint(std::string_view text, uint64_t& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::optional<uint64_t> parseSize(std::string_view text) {
  int shift = 0;
  for (const Unit& unit : kUnits) {
    if (text.ends_with(unit.suffix)) {
      text.remove_suffix(std::string_view(unit.suffix).size());
      shift = unit.shift;
      break;
    }
  }
  uint64_t number = 0;
  if (!parseUint(text, number)) return std::nullopt;
  if (shift > 0 && number > (UINT64_MAX >> shift)) return std::nullopt;
  return number << shift;
}

std::string formatSize(uint64_t bytes) {
  for (const Unit& unit : kUnits) {
    uint64_t scale = uint64_t{1} << unit.shift;
    if (unit.shift > 0 && bytes != 0 && bytes % scale == 0)
      return std::to_string(bytes / scale) + unit.suffix;
  }
  return std::to_string(bytes) + "B";
}

std::optional<std::chrono::seconds> parseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long scale = 1;
  switch (text.back()) {
    case 's': scale = 1; text.remove_suffix(1); break;
    case 'm': scale = 60; text.remove_suffix(1); break;
    case 'h': scale = 3600; text.remove_suffix(1); break;
    default: break;
  }
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  long value = std::stol(std::string(text)) * scale;
  if (value <= 0) return std::nullopt;
  return std::chrono::seconds(value);
}

std::optional<Ipv4> Ipv4::parse(std::string_view text) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    auto dot = text.find('.');
    std::string_view part = i < 3 ? text.substr(0, dot) : text;
    if ((i < 3 && dot == std::string_view::npos) || part.empty() || part.size() > 3)
      return std::nullopt;
    if (part.size() > 1 && part[0] == '0') return std::nullopt;
    uint64_t octet = 0;
    if (!parseUint(part, octet) || octet > 255) return std::nullopt;
    value = (value << 8) | static_cast<uint32_t>(octet);
    if (i < 3) text.remove_prefix(dot + 1);
  }
  return Ipv4{value};
}

std::string Ipv4::str() const {
  return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 255) + "." +
         std::to_string((value >> 8) & 255) + "." + std::to_string(value & 255);
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = Ipv4::parse(text.substr(0, slash));
  uint64_t prefix = 0;
  if (!ip || !parseUint(text.substr(slash + 1), prefix) || prefix > 32) return std::nullopt;
  Cidr cidr{*ip, static_cast<int>(prefix)};
  if ((ip->value & cidr.mask()) != ip->value) return std::nullopt;
  return cidr;
}

std::string Cidr::str() const { return base.str() + "/" + std::to_string(prefix); }

bool isDnsLabel(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-'; });
}

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

bool isPortRange(std::string_view text) {
  auto port = [](std::string_view p) {
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos) return 0L;
    long v = std::stol(std::string(p));
    return v >= 1 && v <= 65535 ? v : 0L;
  };
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) return port(text) != 0;
  long low = port(text.substr(0, dash)), high = port(text.substr(dash + 1));
  return low != 0 && high != 0 && low <= high;
}

}  // namespace vdc
