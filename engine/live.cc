#include "engine/live.h"

#include "engine/hash.h"

namespace vdc {

Json LiveObject::effective() const {
  Json out = recorded.is_object() ? recorded : Json::object();
  if (observed.is_object())
    for (const auto& item : observed.items()) out[item.key()] = item.value();
  return out;
}

Json overlay(const Json& base, const Json& observed, bool keepWhereGone) {
  if (keepWhereGone && observed.is_null() && !base.is_null()) return base;
  if (base.is_object() && observed.is_object()) {
    Json out = base;
    for (const auto& item : observed.items())
      out[item.key()] = base.contains(item.key()) ? overlay(base[item.key()], item.value(), keepWhereGone) : item.value();
    return out;
  }
  if (base.is_array() && observed.is_array() && base.size() == observed.size()) {
    Json out = Json::array();
    for (size_t i = 0; i < base.size(); ++i) out.push_back(overlay(base[i], observed[i], keepWhereGone));
    return out;
  }
  return observed;
}

bool LiveObject::matches(const Json& spec) const {
  if (!spec.is_object()) return false;
  size_t seen = 0;
  for (const auto& item : spec.items()) {
    const Json* value = nullptr;
    if (observed.is_object() && observed.contains(item.key())) value = &observed[item.key()];
    else if (recorded.is_object() && recorded.contains(item.key())) value = &recorded[item.key()];
    if (!value || *value != item.value()) return false;
    ++seen;
  }
  // Anything the object has beyond the spec is a difference too.
  size_t keys = recorded.is_object() ? recorded.size() : 0;
  if (observed.is_object())
    for (const auto& item : observed.items()) keys += !(recorded.is_object() && recorded.contains(item.key()));
  return keys == seen;
}

void LiveState::add(LiveObject object) {
  ResourceId id = object.id;
  objects_.insert_or_assign(std::move(id), std::move(object));
}

void LiveState::addForeign(Foreign foreign) {
  ResourceId id = foreign.id;
  foreign_.insert_or_assign(std::move(id), std::move(foreign));
}

void LiveState::addUnowned(Unowned unowned) {
  auto key = std::make_pair(unowned.kind, unowned.physicalName);
  unowned_.insert_or_assign(std::move(key), std::move(unowned));
}

const Unowned* LiveState::findUnowned(Kind kind, const std::string& physicalName) const {
  auto it = unowned_.find({kind, physicalName});
  return it == unowned_.end() ? nullptr : &it->second;
}

const LiveObject* LiveState::find(const ResourceId& id) const {
  auto it = objects_.find(id);
  return it == objects_.end() ? nullptr : &it->second;
}

const Foreign* LiveState::findForeign(const ResourceId& id) const {
  auto it = foreign_.find(id);
  return it == foreign_.end() ? nullptr : &it->second;
}

std::string LiveState::fingerprint() const {
  std::string text;
  for (const auto& [id, o] : objects_)
    text += id.str() + "|" + o.physicalName + "|" + o.specHash + "|" + o.observed.dump() + "\n";
  for (const auto& [id, f] : foreign_)
    text += "foreign|" + id.str() + "|" + f.owner + "|" + (f.heldBy ? f.heldBy->str() : "") + "\n";
  for (const auto& [id, physical] : missing_) text += "missing|" + id.str() + "|" + physical + "\n";
  // What could be adopted, by name only: an unowned object's own changes
  // (a stranger's domain starting) must not void saved plans.
  for (const auto& [key, u] : unowned_) text += "unowned|" + std::string(kindName(key.first)) + "|" + key.second + "\n";
  return sha256Hex(text);
}

}  // namespace vdc
