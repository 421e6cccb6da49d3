// CompileJsonFormat: what it accepts, what it refuses (with a message naming the place), and the
// grammar shapes the matcher relies on.
#include "sampling/json_schema.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

using Json = nlohmann::ordered_json;
using Kind = JsonGrammar::Kind;

std::string ErrorOf(const Json& format) {
  Result<std::shared_ptr<const JsonGrammar>> g = CompileJsonFormat(format);
  return g.ok() ? "" : g.error().message();
}

TEST(JsonSchemaTest, JsonModeIsAnObjectWithAnyValues) {
  Result<std::shared_ptr<const JsonGrammar>> g = CompileJsonFormat(Json("json"));
  ASSERT_TRUE(g.ok());
  const JsonGrammar::Node& root = (*g)->nodes[(*g)->root];
  EXPECT_EQ(root.kind, Kind::kObject);
  EXPECT_TRUE(root.properties.empty());
  ASSERT_GE(root.additional, 0);
  EXPECT_EQ((*g)->nodes[root.additional].kind, Kind::kAnyOf);
  EXPECT_EQ((*g)->nodes[root.additional].alternatives.size(), 5u);
}

TEST(JsonSchemaTest, PropertiesKeepTheirOrderAndRequiredFlags) {
  Result<std::shared_ptr<const JsonGrammar>> g = CompileJsonFormat(Json::parse(
      R"({"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"integer"}},"required":["alpha"]})"));
  ASSERT_TRUE(g.ok());
  const JsonGrammar::Node& root = (*g)->nodes[(*g)->root];
  ASSERT_EQ(root.properties.size(), 2u);
  EXPECT_EQ(root.properties[0].key_rest, "zeta\"");
  EXPECT_FALSE(root.properties[0].required);
  EXPECT_EQ(root.properties[1].key_rest, "alpha\"");
  EXPECT_TRUE(root.properties[1].required);
  EXPECT_EQ((*g)->nodes[root.properties[1].value].kind, Kind::kInteger);
  EXPECT_EQ(root.additional, -1) << "no other keys unless additionalProperties allows them";
}

TEST(JsonSchemaTest, EnumsBecomeCompactLiterals) {
  Result<std::shared_ptr<const JsonGrammar>> g =
      CompileJsonFormat(Json::parse(R"({"enum":["a b", 1.5, {"k" : [true]}, null]})"));
  ASSERT_TRUE(g.ok());
  const JsonGrammar::Node& root = (*g)->nodes[(*g)->root];
  ASSERT_EQ(root.kind, Kind::kLiteral);
  EXPECT_EQ(root.literals, (std::vector<std::string>{"\"a b\"", "1.5", "{\"k\":[true]}", "null"}));
}

TEST(JsonSchemaTest, UnknownKeywordsAreIgnored) {
  EXPECT_EQ(ErrorOf(Json::parse(R"({"type":"string","description":"d","title":"t","format":"date-time",
      "pattern":"^a","minimum":3,"examples":["x"],"$schema":"http://json-schema.org/draft-07/schema#"})")),
            "");
  EXPECT_EQ(ErrorOf(Json::parse(R"({"type":"object","properties":{"a":{"type":"integer","maximum":4}},
      "strict":true,"title":"T"})")),
            "");
}

TEST(JsonSchemaTest, AllOfMergesObjects) {
  Result<std::shared_ptr<const JsonGrammar>> g = CompileJsonFormat(Json::parse(R"({
      "$defs":{"Base":{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}},
      "allOf":[{"$ref":"#/$defs/Base"},{"properties":{"name":{"type":"string"}}}]})"));
  ASSERT_TRUE(g.ok()) << g.error().message();
  const JsonGrammar::Node& root = (*g)->nodes[(*g)->root];
  ASSERT_EQ(root.properties.size(), 2u);
  EXPECT_EQ(root.properties[0].key_rest, "id\"");
  EXPECT_TRUE(root.properties[0].required);
  EXPECT_EQ(root.properties[1].key_rest, "name\"");
}

TEST(JsonSchemaTest, RefsResolveJsonPointers) {
  EXPECT_EQ(ErrorOf(Json::parse(R"({"$defs":{"a/b":{"type":"null"}},"$ref":"#/$defs/a~1b"})")), "");
  EXPECT_EQ(ErrorOf(Json::parse(R"({"definitions":{"X":{"type":"null"}},"items":{"$ref":"#/definitions/X"}})")), "");
  // Recursion through a container is fine; through nothing but references it is not.
  EXPECT_EQ(ErrorOf(Json::parse(R"({"type":"array","items":{"$ref":"#"}})")), "");
}

TEST(JsonSchemaTest, BadSchemasAreRefusedWithTheirPlace) {
  const std::pair<const char*, const char*> cases[] = {
      {"42", "format must be"},
      {R"("yaml")", "invalid format \"yaml\""},
      {R"({"type":"strin"})", "unknown type \"strin\""},
      {R"({"type":5})", "type must be"},
      {R"({"type":[]})", "type must be"},
      {R"({"properties":[]})", "properties must be an object"},
      {R"({"type":"object","properties":{"a":{"type":"integer"}},"required":"a"})", "required must be"},
      {R"({"type":"object","required":"a"})", "required must be"},
      {R"({"type":"object","properties":{"a":{"type":"bogus"}}})", "#/properties/a"},
      {R"({"$ref":"#/$defs/missing"})", "not found"},
      {R"({"$ref":"https://example.com/s.json"})", "only local references"},
      {R"({"$ref":7})", "$ref must be a string"},
      {R"({"$ref":"#"})", "refers to itself"},
      {R"({"enum":[]})", "enum must be a non-empty array"},
      {R"({"anyOf":{}})", "anyOf must be a non-empty array"},
      {R"({"oneOf":[]})", "oneOf must be a non-empty array"},
      {R"({"type":"string","minLength":-1})", "minLength must be a non-negative integer"},
      {R"({"type":"string","maxLength":"3"})", "maxLength must be a non-negative integer"},
      {R"({"type":"string","minLength":4,"maxLength":2})", "minLength is greater than maxLength"},
      {R"({"type":"array","minItems":3,"maxItems":1})", "minItems is greater than maxItems"},
      {R"({"type":"array","items":[{"type":"string"}]})", "items must be a schema object"},
      {R"({"type":"object","additionalProperties":"no"})", "additionalProperties must be"},
      {R"({"nullable":"yes","type":"string"})", "nullable must be"},
      {R"({"properties":{"a":false}})", "allows no value"},
      {R"({"allOf":[{"type":"string"},{"type":"integer"}]})", "allOf is supported only for object"},
  };
  for (const auto& [schema, message] : cases) {
    const std::string error = ErrorOf(Json::parse(schema));
    EXPECT_NE(error.find(message), std::string::npos) << schema << " -> \"" << error << "\"";
  }
}

TEST(JsonSchemaTest, DeepSchemasAreRefused) {
  Json schema = {{"type", "string"}};
  for (int i = 0; i < 200; ++i) schema = {{"type", "array"}, {"items", schema}};
  EXPECT_NE(ErrorOf(schema).find("nested too deeply"), std::string::npos);
}

}  // namespace
}  // namespace hearth
