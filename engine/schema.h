// The fields a kind's spec may hold: their types, defaults and which
// changes force a replacement. Each kind declares its own (engine/kinds/);
// this one table of them drives conversion, validation and the diff rules.
#pragma once

#include <string>
#include <vector>

#include "engine/model.h"

namespace vdc {

enum class FieldType {
  String,      // a scalar kept as text
  Text,        // free text (descriptions, cloud-init)
  Int,
  Bool,
  Size,        // "20GiB", kept in canonical spelling
  Duration,    // "30s", "5m", kept as seconds: "300s"
  Cidr,
  Ipv4,
  Enum,        // one of `choices`
  Ref,         // name of a resource of kind `ref`
  RefList,     // list of such names
  Ports,       // "22" or "8000-8080"
  Peer,        // a CIDR or a SecurityGroup name
  StringMap,   // labels, selectors
  Object,      // nested `fields`
  ObjectList,  // list of objects with `fields`
  DependsOn,   // list of "Kind/name"
};

struct Field {
  std::string name;
  FieldType type = FieldType::String;
  bool required = false;
  Json defaultValue = nullptr;  // null: stays absent when not given
  std::vector<std::string> choices;
  Kind ref = Kind::VirtualDataCenter;
  std::vector<Field> fields;
  bool forcesReplacement = false;
  bool restarts = false;  // a running instance restarts for a change to take effect
  long minimum = 0, maximum = 0;  // Int bounds when maximum > 0
};

const std::vector<Field>& specFields(Kind kind);
const Field* findField(const std::vector<Field>& fields, const std::string& name);

// Whether changing the top-level field `name` of a spec of `kind` from
// `before` to `after` takes a restart of a running instance to reach the
// guest: a field the schema marks so, or one planning adds that the guest
// reads at boot (KindRules::plannedForBoot), also when `before` lacks it:
// an object an earlier vdc made may not hold what it says.
bool takesARestart(Kind kind, const std::string& name, const Json& before, const Json& after);
// Whether the change of any field from `before` to `after` does.
bool takesARestart(Kind kind, const Json& before, const Json& after);

}  // namespace vdc
