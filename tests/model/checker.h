// The model test's checker: a datacenter as a libvirt node document (the
// embedded datacenter's file, or a real host's objects as virsh shows them),
// read without vdc.
#pragma once

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace vdc::testing::model {

// The datacenter as its node document holds it, read without vdc.
struct Seen {
  std::set<std::string> objects;  // "domain NAME", "network NAME", "volume NAME in POOL"
  std::vector<std::string> problems;
  std::map<std::string, std::string> keys;  // domain -> the fingerprint of KeyPair/ops its record carries
};

inline std::vector<std::string> all(const std::string& text, const std::regex& pattern) {
  std::vector<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

// Every reference resolves; no volume, MAC or address is held twice.
inline Seen check(const std::string& xml) {
  Seen seen;
  std::set<std::string> networks, volumes;
  std::regex block("<(domain|network|pool)[ >][\\s\\S]*?</\\1>");
  std::regex name("<name>([^<]*)</name>");
  for (std::sregex_iterator it(xml.begin(), xml.end(), block), end; it != end; ++it) {
    std::string text = (*it)[0], kind = (*it)[1];
    std::smatch first;
    std::regex_search(text, first, name);
    if (kind == "network") {
      networks.insert(first[1]);
      if (std::string(first[1]).starts_with("model.")) seen.objects.insert("network " + std::string(first[1]));
    } else if (kind == "pool") {
      std::string pool = first[1];
      for (const auto& volume : all(text, std::regex("<volume[^>]*>\\s*<name>([^<]*)</name>"))) {
        volumes.insert(pool + "/" + volume);
        if (volume.starts_with("model.img.")) seen.objects.insert("volume " + volume);
        else if (volume.starts_with("model.")) seen.objects.insert("volume " + volume + " in " + pool);
      }
    }
  }
  std::map<std::string, std::string> holder;  // a volume, a MAC, an address -> the domain that holds it
  auto hold = [&](const std::string& what, const std::string& domain) {
    auto [it, fresh] = holder.emplace(what, domain);
    if (!fresh && it->second != domain) seen.problems.push_back(what + " is held by " + it->second + " and " + domain);
  };
  std::regex domainBlock("<domain[ >][\\s\\S]*?</domain>");
  for (std::sregex_iterator it(xml.begin(), xml.end(), domainBlock), end; it != end; ++it) {
    std::string text = (*it)[0];
    std::smatch first;
    std::regex_search(text, first, name);
    std::string domain = first[1];
    if (!domain.starts_with("model.")) continue;
    seen.objects.insert("domain " + domain);
    std::regex disk("<source pool='([^']*)' volume='([^']*)'");
    for (std::sregex_iterator d(text.begin(), text.end(), disk), none; d != none; ++d) {
      std::string pool = (*d)[1], volume = (*d)[2];
      if (!volumes.count(pool + "/" + volume)) seen.problems.push_back(domain + " names volume " + volume + " in " + pool + ", which is not there");
      if (volume.starts_with("model.vol.")) hold(volume, domain);
    }
    for (const auto& network : all(text, std::regex("<source network='([^']*)'")))
      if (!networks.count(network)) seen.problems.push_back(domain + " is on network " + network + ", which is not there");
    for (const auto& mac : all(text, std::regex("<mac address='([^']*)'"))) hold("MAC " + mac, domain);
    for (const auto& ip : all(text, std::regex("&quot;ip&quot;:&quot;([0-9.]*)&quot;"))) hold("address " + ip, domain);
    for (const auto& ip : all(text, std::regex("\"ip\":\"([0-9.]*)\""))) hold("address " + ip, domain);
    for (const auto& key : all(text, std::regex("(?:\"|&quot;)keyFingerprints(?:\"|&quot;):\\{(?:\"|&quot;)ops(?:\"|&quot;):"
                                                "(?:\"|&quot;)(SHA256:[A-Za-z0-9+/]*)")))
      seen.keys[domain] = key;
  }
  return seen;
}

}  // namespace vdc::testing::model
