#include "engine/kinds/volume.h"

#include "engine/kinds/fields.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

using namespace fields;

namespace {

std::vector<Field> volumeFields() {
  return {
      required(field("size", FieldType::Size)),
      replaces(ref("image", Kind::Image)),
      replaces(withDefault(field("storageClass", FieldType::String), kStandardStorageClass)),
  };
}

void volumeReferences(const Json& spec, const AddReference& add) {
  if (spec.contains("image")) add(Kind::Image, spec["image"]);
}

// A volume made from an image is a copy-on-write child of it.
Following volumeOnReplaced(const Json&, const ResourceId& referred) {
  return referred.kind == Kind::Image ? Following::Replace : Following::Nothing;
}

void checkVolume(const Manifest& m, Checks& checks) {
  if (m.spec.contains("storageClass") && !isDnsLabel(m.spec["storageClass"].get<std::string>()))
    checks.problem(m.where, "storageClass '" + m.spec["storageClass"].get<std::string>() + "' is not a valid name");
}

}  // namespace

extern const KindRules kVolumeRules{
    .fields = volumeFields,
    .references = volumeReferences,
    .check = checkVolume,
    .onReplaced = volumeOnReplaced,
    .facts = {.placed = true, .carriesDisk = true, .renamable = true, .adoptable = true, .restarts = "",
              .dataLost = [](const Json&) { return std::string("the volume's data is lost"); }},
};

}  // namespace vdc
