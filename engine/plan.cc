#include "engine/plan.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "engine/atomic.h"
#include "engine/hash.h"
#include "engine/rename.h"
#include "engine/spec_check.h"
#include "base/text.h"
#include "engine/units.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

namespace {

// A name on a target, as a plan shows it: printable, no path.
bool isTargetName(const std::string& name) {
  if (name.empty() || name.size() > 255 || name.find('/') != std::string::npos) return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

bool isHex64(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A saved plan travels (from a CI job to an apply job): what it holds is
// held to what vdc itself writes before anything of it is used.
void checkLoaded(const Plan& plan, const Json& json) {
  std::vector<std::string> problems;
  auto fail = [&](const std::string& what) {
    if (problems.size() < 50) problems.push_back(what);
  };
  if (!isDnsLabel(plan.vdc)) fail("vdc is not a VDC's name");
  const std::string& directory = plan.directory;
  bool printable = directory.find_first_of(std::string("\0\n\r", 3)) == std::string::npos;
  if (!(directory.empty() ? plan.destroy : directory.front() == '/') || !printable || directory.size() > 4096)
    fail("directory is not an absolute path");
  if (!isHex64(plan.liveFingerprint)) fail("liveFingerprint is not a sha256");
  if (json.at("changes").size() > 1'000'000) fail("it holds more changes than any VDC has");
  for (const auto& c : plan.changes) {
    std::string where = c.id.str();
    if (!isDnsLabel(c.id.name)) fail(where + " is not a resource's name");
    if (c.action != Action::Delete && !isHex64(c.specHash)) fail(where + " specHash is not a sha256");
    if (c.action == Action::Adopt && !isTargetName(c.adopt)) fail(where + " adopts something that is not a name");
    if (c.action == Action::Rename &&
        (!isRenamable(c.id.kind) || !isDnsLabel(c.renamedFrom) || c.renamedFrom == c.id.name || c.physical.empty()))
      fail(where + " is a rename vdc never plans");
    if (!c.physical.empty() && !isTargetName(c.physical)) fail(where + " physical is not a name");
    for (const auto& deps : {c.dependencies, c.priorDependencies, c.follows})
      for (const auto& d : deps)
        if (!isDnsLabel(d.name)) fail(where + " depends on something that is not a resource");
    if (!c.after.is_null()) checkSpec(c.id.kind, c.after, where, problems);
    if (c.action != Action::Create && c.action != Action::Adopt && !c.before.is_object())
      fail(where + " before is not a spec");
  }
  // What a change follows is a replace (or a make of what was deleted by
  // hand) that it refers to; a replace asked for is a replace.
  std::map<ResourceId, const Change*> byId;
  for (const auto& c : plan.changes) byId[c.id] = &c;
  std::set<ResourceId> renamedFrom;
  for (const auto& c : plan.changes) {
    if (c.replaceAsked && c.action != Action::Replace) fail(c.id.str() + " is a replace asked for that is none");
    // One object becomes one resource, and the old name is no resource of the plan any more.
    if (c.action == Action::Rename &&
        (!renamedFrom.insert({c.id.kind, c.renamedFrom}).second || byId.count({c.id.kind, c.renamedFrom})))
      fail(c.id.str() + " is renamed from " + c.renamedFrom + ", which the plan holds or renames twice");
    for (const auto& followed : c.follows) {
      auto it = byId.find(followed);
      bool remade = it != byId.end() && (it->second->action == Action::Replace ||
                                         (it->second->action == Action::Create && it->second->drift));
      bool referred = std::find(c.dependencies.begin(), c.dependencies.end(), followed) != c.dependencies.end();
      if (!remade || !referred) fail(c.id.str() + " follows " + followed.str() + ", which it does not refer to or is not made anew");
    }
  }
  for (const auto& id : plan.allowDestroy)
    if (!isDnsLabel(id.name)) fail("allowDestroy holds something that is not a resource");
  for (const auto& list : {plan.only, plan.exclude})
    for (const auto& address : list)
      if (!isResourceId(address)) fail("filter holds an address that is not Kind/name");
  for (const auto& l : plan.leftOut)
    if (!isDnsLabel(l.id.name) || l.why.size() > 200 || vdc::printable(l.why) != l.why)
      fail("filter.leftOut holds something vdc never writes");
  for (const auto& f : plan.claimed)
    if (!isDnsLabel(f.id.name) || !isTargetName(f.physicalName)) fail("claimed holds something that is not a name");
  if (problems.empty()) return;
  std::string message = "it holds what vdc never writes:";
  for (const auto& p : problems) message += "\n  " + p;
  throw Error(message);
}

}  // namespace

std::string_view actionName(Action action) {
  switch (action) {
    case Action::Create: return "create";
    case Action::Update: return "update";
    case Action::Replace: return "replace";
    case Action::Delete: return "delete";
    case Action::Adopt: return "adopt";
    case Action::Rename: return "rename";
  }
  return "?";
}

std::string_view actionSymbol(Action action) {
  switch (action) {
    case Action::Create: return "+";
    case Action::Update: return "~";
    case Action::Replace: return "-/+";
    case Action::Delete: return "-";
    case Action::Adopt: return "<=";
    case Action::Rename: return "~";
  }
  return "?";
}

static Action parseAction(const std::string& text) {
  for (Action a : kActions)
    if (actionName(a) == text) return a;
  throw Error("unknown action '" + text + "' in plan");
}

const Change* Plan::find(const ResourceId& id) const {
  auto it = std::lower_bound(changes.begin(), changes.end(), id,
                             [](const Change& c, const ResourceId& id) { return c.id < id; });
  return it != changes.end() && it->id == id ? &*it : nullptr;
}

Summary Plan::summary() const {
  Summary s;
  s.unchanged = unchanged;
  for (const auto& c : changes) {
    switch (c.action) {
      case Action::Create: ++s.create; break;
      case Action::Update: ++s.update; break;
      case Action::Replace: ++s.replace; break;
      case Action::Delete: ++s.remove; break;
      case Action::Adopt: ++s.adopt; break;
      case Action::Rename: ++s.rename; break;
    }
  }
  return s;
}

static Json idsToJson(const std::vector<ResourceId>& ids) {
  Json out = Json::array();
  for (const auto& id : ids) out.push_back(id.str());
  return out;
}

static std::vector<ResourceId> idsFromJson(const Json& json) {
  std::vector<ResourceId> ids;
  for (const auto& item : json) {
    auto id = ResourceId::parse(item.get<std::string>());
    if (!id) throw Error("bad resource address '" + item.get<std::string>() + "' in plan");
    ids.push_back(*id);
  }
  return ids;
}

Json Plan::toJson() const {
  Json out;
  out["formatVersion"] = kFormatVersion;
  out["vdc"] = vdc;
  out["directory"] = directory;
  out["target"] = target;
  out["destroy"] = destroy;
  out["liveFingerprint"] = liveFingerprint;
  Summary s = summary();
  out["summary"] = {{"create", s.create}, {"update", s.update}, {"replace", s.replace},
                    {"delete", s.remove}, {"adopt", s.adopt}, {"rename", s.rename}, {"unchanged", s.unchanged}};
  out["changes"] = Json::array();
  for (const auto& c : changes) {
    Json change;
    change["address"] = c.id.str();
    change["kind"] = kindName(c.id.kind);
    change["name"] = c.id.name;
    change["action"] = actionName(c.action);
    change["before"] = c.before;
    change["after"] = c.after;
    change["specHash"] = c.specHash;
    change["drift"] = c.drift;
    if (c.action == Action::Adopt) change["adopt"] = c.adopt;
    if (c.action == Action::Rename) change["renamedFrom"] = c.renamedFrom;
    if (!c.physical.empty()) change["physical"] = c.physical;
    if (c.protect) change["protected"] = true;
    if (c.replaceAsked) change["replaceAsked"] = true;
    if (auto why = irreversibility(c); !why.empty()) change["irreversible"] = why;
    change["dependencies"] = idsToJson(c.dependencies);
    change["priorDependencies"] = idsToJson(c.priorDependencies);
    if (!c.follows.empty()) change["follows"] = idsToJson(c.follows);
    change["fields"] = Json::array();
    for (const auto& f : c.fields)
      change["fields"].push_back({{"path", f.path},
                                  {"before", f.before},
                                  {"after", f.after},
                                  {"forcesReplacement", f.forcesReplacement},
                                  {"drift", f.drift},
                                  {"restarts", f.restarts}});
    out["changes"].push_back(std::move(change));
  }
  if (!claimed.empty()) {
    out["claimed"] = Json::array();
    for (const auto& f : claimed) out["claimed"].push_back({{"address", f.id.str()}, {"physical", f.physicalName}});
  }
  if (!allowDestroy.empty()) out["allowDestroy"] = idsToJson(allowDestroy);
  if (partial()) {
    Json left = Json::array();
    for (const auto& l : leftOut)
      left.push_back({{"address", l.id.str()}, {"action", actionName(l.action)}, {"reason", l.why}});
    out["filter"] = {{"only", only}, {"exclude", exclude}, {"leftOut", left}};
  }
  out["digest"] = Plan::digest(out);
  return out;
}

Plan Plan::fromJson(const Json& json) {
  try {
    // Numbers are read only once their type is known: a float read as an integer is undefined behaviour.
    if (!json.is_object() || !json.contains("formatVersion") || !json["formatVersion"].is_number_integer() ||
        json["formatVersion"].get<int64_t>() != kFormatVersion)
      throw Error("not a vdc plan of format version " + std::to_string(kFormatVersion));
    if (!json.contains("digest") || json["digest"] != Plan::digest(json))
      throw Error("its digest does not match its contents: it was changed since vdc saved it (make it again with "
                  "vdc plan --out)");
    Plan plan;
    plan.vdc = json.at("vdc").get<std::string>();
    plan.directory = json.at("directory").get<std::string>();
    plan.target = json.at("target").get<std::string>();
    plan.destroy = json.at("destroy").get<bool>();
    plan.liveFingerprint = json.at("liveFingerprint").get<std::string>();
    const Json& unchanged = json.at("summary").at("unchanged");
    if (!unchanged.is_number_unsigned()) throw Error("summary.unchanged is not a count");
    plan.unchanged = unchanged.get<size_t>();
    for (const auto& item : json.at("changes")) {
      Change c;
      auto id = ResourceId::parse(item.at("address").get<std::string>());
      if (!id) throw Error("bad resource address in plan");
      c.id = *id;
      c.action = parseAction(item.at("action").get<std::string>());
      c.before = item.at("before");
      c.after = item.at("after");
      c.specHash = item.at("specHash").get<std::string>();
      c.drift = item.at("drift").get<bool>();
      if (c.action == Action::Adopt) c.adopt = item.at("adopt").get<std::string>();
      if (c.action == Action::Rename) c.renamedFrom = item.at("renamedFrom").get<std::string>();
      c.dependencies = idsFromJson(item.at("dependencies"));
      c.priorDependencies = idsFromJson(item.at("priorDependencies"));
      c.follows = idsFromJson(item.value("follows", Json::array()));
      for (const auto& f : item.at("fields"))
        c.fields.push_back({f.at("path").get<std::string>(), f.at("before"), f.at("after"),
                            f.at("forcesReplacement").get<bool>(), f.at("drift").get<bool>(),
                            f.value("restarts", false)});
      if ((c.action == Action::Delete) != c.after.is_null())
        throw Error("plan change " + c.id.str() + " is inconsistent");
      c.physical = item.value("physical", "");
      c.protect = item.value("protected", false);
      c.replaceAsked = item.value("replaceAsked", false);
      plan.changes.push_back(std::move(c));
    }
    for (const auto& item : json.value("claimed", Json::array())) {
      auto id = ResourceId::parse(item.at("address").get<std::string>());
      if (!id) throw Error("bad resource address in plan");
      plan.claimed.push_back({*id, item.at("physical").get<std::string>(), plan.vdc});
    }
    plan.allowDestroy = idsFromJson(json.value("allowDestroy", Json::array()));
    if (json.contains("filter")) {
      const Json& filter = json.at("filter");
      plan.only = filter.at("only").get<std::vector<std::string>>();
      plan.exclude = filter.at("exclude").get<std::vector<std::string>>();
      for (const auto& item : filter.at("leftOut")) {
        auto id = ResourceId::parse(item.at("address").get<std::string>());
        if (!id) throw Error("bad resource address in plan");
        plan.leftOut.push_back({*id, parseAction(item.at("action").get<std::string>()), item.at("reason").get<std::string>()});
      }
    }
    checkLoaded(plan, json);
    return plan;
  } catch (const Json::exception& e) {
    throw Error(std::string("malformed plan: ") + e.what());
  }
}

std::string Plan::digest(const Json& json) {
  Json without = json;
  without.erase("digest");
  return "sha256:" + canonicalHash(without);
}

void Plan::save(const std::string& path) const {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw Error("cannot write plan file " + path);
  out << toJson().dump(1) << "\n";
  if (!out) throw Error("cannot write plan file " + path);
}

Plan Plan::load(const std::string& path) {
  // Checked before it is opened: opening a FIFO would wait for a writer.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) > kMaxFileBytes)
    throw Error("plan file " + path + " is not a regular file of at most " + std::to_string(kMaxFileBytes) + " bytes");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read plan file " + path);
  Json json = Json::parse(in, nullptr, false);
  if (json.is_discarded()) throw Error("plan file " + path + " is not valid JSON");
  try {
    return fromJson(json);
  } catch (const Error& e) {
    throw Error(path + ": " + e.message());
  }
}

}  // namespace vdc
