// The field table that drives validation and specs/manifest.schema.json,
// which editors use, must describe the same language.
#include "engine/schema.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

namespace vdc {

namespace {

Json loadSchema() {
  std::ifstream in(std::string(VDC_SOURCE_DIR) + "/specs/manifest.schema.json");
  return Json::parse(in);
}

void compareFields(const std::vector<Field>& fields, const Json& schema, const std::string& where) {
  ASSERT_TRUE(schema.contains("properties")) << where;
  std::set<std::string> inTable, inSchema, requiredTable, requiredSchema;
  for (const auto& f : fields) {
    inTable.insert(f.name);
    if (f.required) requiredTable.insert(f.name);
  }
  for (const auto& item : schema["properties"].items()) inSchema.insert(item.key());
  for (const auto& r : schema.value("required", Json::array())) requiredSchema.insert(r.get<std::string>());
  EXPECT_EQ(inTable, inSchema) << where;
  EXPECT_EQ(requiredTable, requiredSchema) << where;
  EXPECT_EQ(schema.value("additionalProperties", true), false) << where;

  for (const auto& f : fields) {
    if (!schema["properties"].contains(f.name)) continue;
    const Json& property = schema["properties"][f.name];
    std::string path = where + "." + f.name;
    if (!f.defaultValue.is_null()) {
      EXPECT_EQ(property.value("default", Json()), f.defaultValue) << path;
    }
    if (f.type == FieldType::Enum) {
      EXPECT_EQ(property["enum"], Json(f.choices)) << path;
    }
    if (f.type == FieldType::Int && f.maximum > 0) {
      EXPECT_EQ(property["minimum"], f.minimum) << path;
      EXPECT_EQ(property["maximum"], f.maximum) << path;
    }
    if (f.type == FieldType::Object) compareFields(f.fields, property, path);
    if (f.type == FieldType::ObjectList) compareFields(f.fields, property["items"], path);
  }
}

}  // namespace

TEST(Schema, JsonSchemaMatchesTheFieldTable) {
  Json schema = loadSchema();
  for (Kind kind : kAllKinds) {
    std::string name(kindName(kind));
    ASSERT_TRUE(schema["definitions"].contains(name)) << name;
    compareFields(specFields(kind), schema["definitions"][name], name);
  }
  std::set<std::string> kinds;
  for (const auto& k : schema["properties"]["kind"]["enum"]) kinds.insert(k.get<std::string>());
  EXPECT_EQ(kinds.size(), std::size(kAllKinds));
}

}  // namespace vdc
