#include "engine/schema.h"

#include "engine/kinds/kind_rules.h"

namespace vdc {

const std::vector<Field>& specFields(Kind kind) {
  static const auto table = [] {
    std::vector<std::vector<Field>> all;
    for (Kind k : kAllKinds) {
      all.push_back(rulesOf(k).fields());
      // Any resource may be protected but the VDC itself, which only a destroy deletes.
      if (k != Kind::VirtualDataCenter) {
        Field protect;
        protect.name = kProtectField;
        protect.type = FieldType::Bool;
        all.back().push_back(protect);
      }
    }
    return all;
  }();
  return table[static_cast<size_t>(kind)];
}

const Field* findField(const std::vector<Field>& fields, const std::string& name) {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace vdc
