#include "engine/kinds/image.h"

#include "engine/kinds/fields.h"
#include "engine/kinds/kind_rules.h"
#include "base/text.h"

namespace vdc {

using namespace fields;

namespace {

std::vector<Field> imageFields() {
  return {
      replaces(required(field("source", FieldType::String))),
      replaces(withDefault(choice("format", {"qcow2", "raw"}), kDefaultImageFormat)),
      replaces(field("sha256", FieldType::String)),
  };
}

void checkImage(const Manifest& m, Checks& checks) {
  std::string source = m.spec.value("source", "");
  auto scheme = source.find("://");
  if (scheme != std::string::npos) {
    std::string s = source.substr(0, scheme);
    if (s != "file" && s != "http" && s != "https")
      checks.problem(m.where, "Image source '" + withoutUserInfo(source) +
                                  "' must be a path or a file://, http:// or https:// URL");
    // A secret in a manifest would be shown in plans and stored in records on the target.
    if (!userInfo(source).empty())
      checks.problem(m.where, "Image source '" + withoutUserInfo(source) +
                                  "' carries a user name or password in its URL, which vdc would show and store: "
                                  "serve the image without them");
  }
  if (m.spec.contains("sha256")) {
    std::string digest = m.spec["sha256"].get<std::string>();
    if (digest.size() != 64 || digest.find_first_not_of("0123456789abcdef") != std::string::npos)
      checks.problem(m.where, "sha256 must be 64 lowercase hexadecimal digits");
  }
}

}  // namespace

extern const KindRules kImageRules{
    .fields = imageFields,
    .check = checkImage,
    // Its bytes come again from its source: what a delete loses is made anew.
    .facts = {.placed = false, .carriesDisk = true, .renamable = false, .adoptable = false, .restarts = "",
              .dataLost = nothingLost},
};

}  // namespace vdc
