#include "engine/plan.h"

#include <fstream>

namespace vdc {

std::string_view actionName(Action action) {
  switch (action) {
    case Action::Create: return "create";
    case Action::Update: return "update";
    case Action::Replace: return "replace";
    case Action::Delete: return "delete";
    case Action::Adopt: return "adopt";
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
  }
  return "?";
}

static Action parseAction(const std::string& text) {
  for (Action a : {Action::Create, Action::Update, Action::Replace, Action::Delete, Action::Adopt})
    if (actionName(a) == text) return a;
  throw Error("unknown action '" + text + "' in plan");
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
                    {"delete", s.remove}, {"adopt", s.adopt}, {"unchanged", s.unchanged}};
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
    change["dependencies"] = idsToJson(c.dependencies);
    change["priorDependencies"] = idsToJson(c.priorDependencies);
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
  return out;
}

Plan Plan::fromJson(const Json& json) {
  try {
    if (!json.is_object() || json.value("formatVersion", 0) != kFormatVersion)
      throw Error("not a vdc plan of format version " + std::to_string(kFormatVersion));
    Plan plan;
    plan.vdc = json.at("vdc").get<std::string>();
    plan.directory = json.at("directory").get<std::string>();
    plan.target = json.at("target").get<std::string>();
    plan.destroy = json.at("destroy").get<bool>();
    plan.liveFingerprint = json.at("liveFingerprint").get<std::string>();
    plan.unchanged = json.at("summary").at("unchanged").get<size_t>();
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
      c.dependencies = idsFromJson(item.at("dependencies"));
      c.priorDependencies = idsFromJson(item.at("priorDependencies"));
      for (const auto& f : item.at("fields"))
        c.fields.push_back({f.at("path").get<std::string>(), f.at("before"), f.at("after"),
                            f.at("forcesReplacement").get<bool>(), f.at("drift").get<bool>(),
                            f.value("restarts", false)});
      if ((c.action == Action::Delete) != c.after.is_null())
        throw Error("plan change " + c.id.str() + " is inconsistent");
      plan.changes.push_back(std::move(c));
    }
    return plan;
  } catch (const Json::exception& e) {
    throw Error(std::string("malformed plan: ") + e.what());
  }
}

void Plan::save(const std::string& path) const {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw Error("cannot write plan file " + path);
  out << toJson().dump(1) << "\n";
  if (!out) throw Error("cannot write plan file " + path);
}

Plan Plan::load(const std::string& path) {
  std::ifstream in(path);
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
