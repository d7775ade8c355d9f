// Words for writing a kind's fields (engine/kinds/KIND.cc):
// required(withDefault(choice("mode", {"isolated", "nat"}), "isolated")).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/schema.h"

namespace vdc::fields {

inline Field field(std::string name, FieldType type) {
  Field f;
  f.name = std::move(name);
  f.type = type;
  return f;
}
inline Field required(Field f) {
  f.required = true;
  return f;
}
inline Field withDefault(Field f, Json value) {
  f.defaultValue = std::move(value);
  return f;
}
inline Field replaces(Field f) {
  f.forcesReplacement = true;
  return f;
}
inline Field restarts(Field f) {
  f.restarts = true;
  return f;
}
inline Field choice(std::string name, std::vector<std::string> choices) {
  Field f = field(std::move(name), FieldType::Enum);
  f.choices = std::move(choices);
  return f;
}
inline Field ref(std::string name, Kind kind, FieldType type = FieldType::Ref) {
  Field f = field(std::move(name), type);
  f.ref = kind;
  return f;
}
inline Field integer(std::string name, long minimum, long maximum) {
  Field f = field(std::move(name), FieldType::Int);
  f.minimum = minimum;
  f.maximum = maximum;
  return f;
}
inline Field object(std::string name, FieldType type, std::vector<Field> fields) {
  Field f = field(std::move(name), type);
  f.fields = std::move(fields);
  return f;
}

}  // namespace vdc::fields
