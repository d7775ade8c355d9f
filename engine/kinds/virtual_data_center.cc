// VirtualDataCenter: the VDC itself, its name and description. Its record
// also holds the git revision a watch applied (operations/planning.h).
#include "engine/kinds/fields.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

using namespace fields;

extern const KindRules kVirtualDataCenterRules{
    .fields = [] { return std::vector<Field>{withDefault(field("description", FieldType::Text), "")}; },
    .facts = {.placed = false, .carriesDisk = false, .renamable = false, .adoptable = false, .restarts = "",
              .dataLost = nothingLost},
};

}  // namespace vdc
