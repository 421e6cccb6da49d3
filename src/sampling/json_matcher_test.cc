// JsonMatcher against hand-written JSON texts: which prefixes stay viable, where a value is
// complete, and the bounds (whitespace, digits, nesting) that keep a weak model from looping.
#include "sampling/json_matcher.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth {
namespace {

JsonMatcher Matcher(const char* format) {
  const nlohmann::ordered_json f =
      std::string(format) == "json" ? nlohmann::ordered_json("json") : nlohmann::ordered_json::parse(format);
  Result<std::shared_ptr<const JsonGrammar>> g = CompileJsonFormat(f);
  EXPECT_TRUE(g.ok()) << g.error().message();
  return JsonMatcher(*g);
}

// The length of the longest viable prefix of `text` (fed one byte at a time).
size_t ViablePrefix(JsonMatcher m, const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (!m.Accept(text.substr(i, 1))) return i;
  }
  return text.size();
}

bool Complete(const char* format, const std::string& text) {
  JsonMatcher m = Matcher(format);
  return m.Accept(text) && m.complete();
}

TEST(JsonMatcherTest, JsonModeAcceptsAnyObject) {
  const std::string doc = R"({"a": [1, 2.5e-3, -0, "x\u00e9\n", true, null, {}], "b": {"c": false}})";
  EXPECT_TRUE(Complete("json", doc));
  EXPECT_TRUE(Complete("json", "{}"));
  EXPECT_TRUE(Complete("json", "  {\n  \"k\" : \"v\"\n}"));
  JsonMatcher m = Matcher("json");
  EXPECT_EQ(ViablePrefix(m, "[1]"), 0u) << "json mode produces an object";
  EXPECT_EQ(ViablePrefix(m, R"({"a" 1})"), 5u);
  EXPECT_EQ(ViablePrefix(m, "{,}"), 1u);
  EXPECT_EQ(ViablePrefix(m, R"({"a":1,})"), 7u) << "no trailing comma";
  EXPECT_EQ(ViablePrefix(m, R"({"a":1} )"), 7u) << "nothing after the value";
  EXPECT_EQ(ViablePrefix(m, R"({"a":tru})"), 8u);
  ASSERT_TRUE(m.Accept(R"({"a":1)"));
  EXPECT_FALSE(m.complete());
  EXPECT_TRUE(m.can_continue());
  ASSERT_TRUE(m.Accept("}"));
  EXPECT_TRUE(m.complete());
  EXPECT_FALSE(m.can_continue());
}

TEST(JsonMatcherTest, AcceptIsAllOrNothing) {
  JsonMatcher m = Matcher("json");
  EXPECT_FALSE(m.Accept(R"({"a":x)"));
  EXPECT_TRUE(m.Accept("{}")) << "the failed Accept left the state at the start";
}

TEST(JsonMatcherTest, Numbers) {
  const char* integer = R"({"type":"integer"})";
  const char* number = R"({"type":"number"})";
  EXPECT_TRUE(Complete(integer, "-12"));
  EXPECT_TRUE(Complete(integer, "0"));
  EXPECT_EQ(ViablePrefix(Matcher(integer), "01"), 1u);
  EXPECT_EQ(ViablePrefix(Matcher(integer), "1.5"), 1u);
  EXPECT_EQ(ViablePrefix(Matcher(integer), "1e5"), 1u);
  EXPECT_EQ(ViablePrefix(Matcher(integer), "--1"), 1u);
  EXPECT_TRUE(Complete(number, "1.5e+10"));
  EXPECT_TRUE(Complete(number, "-0.25E-3"));
  EXPECT_TRUE(Complete(number, "3e7"));
  EXPECT_FALSE(Complete(number, "1."));
  EXPECT_FALSE(Complete(number, "1e"));
  EXPECT_FALSE(Complete(number, "-"));
  EXPECT_EQ(ViablePrefix(Matcher(number), ".5"), 0u);
  EXPECT_EQ(ViablePrefix(Matcher(number), "1.e3"), 2u);
  // Digit bounds: 16 integer digits, 2 exponent digits.
  EXPECT_TRUE(Complete(integer, "1234567890123456"));
  EXPECT_EQ(ViablePrefix(Matcher(integer), "12345678901234567"), 16u);
  EXPECT_EQ(ViablePrefix(Matcher(number), "1e123"), 4u);
  // A top-level number is complete but may go on.
  JsonMatcher m = Matcher(number);
  ASSERT_TRUE(m.Accept("42"));
  EXPECT_TRUE(m.complete());
  EXPECT_TRUE(m.can_continue());
  // Inside a container the byte after a number belongs to the parent.
  EXPECT_TRUE(Complete(R"({"type":"array","items":{"type":"number"}})", "[1,-2.5 , 3e1]"));
}

TEST(JsonMatcherTest, StringEscapesAndUtf8) {
  const char* str = R"({"type":"string"})";
  EXPECT_TRUE(Complete(str, R"("\"\\\/\b\f\n\r\t")"));
  EXPECT_TRUE(Complete(str, R"("\u00e9\u00E9")"));
  EXPECT_TRUE(Complete(str, R"("\ud83d\ude00")"));
  EXPECT_TRUE(Complete(str, "\"caf\xc3\xa9 \xf0\x9f\x98\x80\""));
  EXPECT_EQ(ViablePrefix(Matcher(str), R"("\x")"), 2u);
  EXPECT_EQ(ViablePrefix(Matcher(str), R"("\u12g4")"), 5u);
  EXPECT_EQ(ViablePrefix(Matcher(str), R"("\udc00")"), 4u) << "a lone low surrogate";
  EXPECT_EQ(ViablePrefix(Matcher(str), R"("\ud83d")"), 7u) << "a high surrogate needs its low half";
  EXPECT_EQ(ViablePrefix(Matcher(str), R"("\ud83d\u0041")"), 9u);
  EXPECT_EQ(ViablePrefix(Matcher(str), "\"a\x01"), 2u) << "raw control characters";
  EXPECT_EQ(ViablePrefix(Matcher(str), "\"\xc0\x80"), 1u) << "overlong lead byte";
  EXPECT_EQ(ViablePrefix(Matcher(str), "\"\xe0\x80\x80"), 2u) << "overlong three-byte form";
  EXPECT_EQ(ViablePrefix(Matcher(str), "\"\xed\xa0\x80"), 2u) << "UTF-8 encoded surrogate";
  EXPECT_EQ(ViablePrefix(Matcher(str), "\"\xf4\x90\x80\x80"), 2u) << "above U+10FFFF";
  EXPECT_EQ(ViablePrefix(Matcher(str), "\"\xc3\""), 2u) << "a truncated sequence";
  EXPECT_EQ(ViablePrefix(Matcher(str), "\"\xf5"), 1u);
}

TEST(JsonMatcherTest, StringLengthCountsCodePoints) {
  const char* bounded = R"({"type":"string","minLength":2,"maxLength":3})";
  EXPECT_FALSE(Complete(bounded, R"("a")"));
  EXPECT_EQ(ViablePrefix(Matcher(bounded), R"("a")"), 2u);
  EXPECT_TRUE(Complete(bounded, "\"\xc3\xa9\xc3\xa9\""));
  EXPECT_TRUE(Complete(bounded, R"("\n\u00e9\ud83d\ude00")"));
  EXPECT_EQ(ViablePrefix(Matcher(bounded), R"("abcd")"), 4u);
}

TEST(JsonMatcherTest, EnumAndConst) {
  const char* colours = R"({"enum":["red","green",3,null,{"k":[1]}]})";
  EXPECT_TRUE(Complete(colours, R"("red")"));
  EXPECT_TRUE(Complete(colours, R"("green")"));
  EXPECT_TRUE(Complete(colours, "3"));
  EXPECT_TRUE(Complete(colours, "null"));
  EXPECT_TRUE(Complete(colours, R"({"k":[1]})"));
  EXPECT_EQ(ViablePrefix(Matcher(colours), R"("blue")"), 1u);
  EXPECT_EQ(ViablePrefix(Matcher(colours), R"("re")"), 3u);
  EXPECT_FALSE(Complete(colours, R"("re)"));
  EXPECT_EQ(ViablePrefix(Matcher(colours), "30"), 1u);
  EXPECT_TRUE(Complete(R"({"const":"only"})", R"("only")"));
  EXPECT_EQ(ViablePrefix(Matcher(R"({"const":"only"})"), R"("nope")"), 1u);
  EXPECT_TRUE(Complete(R"({"type":"boolean"})", "false"));
  EXPECT_EQ(ViablePrefix(Matcher(R"({"type":"boolean"})"), "yes"), 0u);
}

TEST(JsonMatcherTest, ObjectPropertiesInOrder) {
  const char* person = R"({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},
      "ok":{"type":"boolean"}},"required":["name","age"]})";
  EXPECT_TRUE(Complete(person, R"({"name":"x","age":3})"));
  EXPECT_TRUE(Complete(person, R"({ "name" : "x" , "age" : 3 , "ok" : true })"));
  EXPECT_EQ(ViablePrefix(Matcher(person), R"({"age":3})"), 2u) << "name is required first";
  EXPECT_EQ(ViablePrefix(Matcher(person), R"({"name":"x","ok":true})"), 13u) << "age comes before ok";
  EXPECT_EQ(ViablePrefix(Matcher(person), R"({"name":"x"})"), 11u) << "age is required";
  EXPECT_EQ(ViablePrefix(Matcher(person), R"({"name":"x","age":3,"extra":1})"), 21u) << "no other keys";
  EXPECT_EQ(ViablePrefix(Matcher(person), R"({"name":3})"), 8u) << "value type";
  const char* optional = R"({"properties":{"a":{"type":"integer"},"b":{"type":"integer"}}})";
  EXPECT_TRUE(Complete(optional, "{}"));
  EXPECT_TRUE(Complete(optional, R"({"b":2})"));
  EXPECT_TRUE(Complete(optional, R"({"a":1,"b":2})"));
  EXPECT_EQ(ViablePrefix(Matcher(optional), R"({"b":2,"a":1})"), 6u);
  EXPECT_TRUE(Complete(R"({"properties":{"we\"ird\u00e9":{"type":"null"}}})", "{\"we\\\"ird\xc3\xa9\":null}"));
}

TEST(JsonMatcherTest, AdditionalProperties) {
  const char* extra = R"({"properties":{"a":{"type":"integer"}},"additionalProperties":{"type":"string"}})";
  EXPECT_TRUE(Complete(extra, R"({"a":1,"zz":"q","y":""})"));
  EXPECT_TRUE(Complete(extra, R"({"zz":"q"})"));
  EXPECT_EQ(ViablePrefix(Matcher(extra), R"({"zz":5})"), 6u);
  EXPECT_TRUE(Complete(R"({"type":"object"})", R"({"any":[{"thing":1}]})"));
  EXPECT_TRUE(Complete(R"({"type":"object","additionalProperties":{"type":"integer"}})", R"({"x":1,"y":2})"));
}

TEST(JsonMatcherTest, ArraysAndItemBounds) {
  const char* pair = R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":2})";
  EXPECT_EQ(ViablePrefix(Matcher(pair), "[]"), 1u);
  EXPECT_TRUE(Complete(pair, "[1]"));
  EXPECT_TRUE(Complete(pair, "[ 1 , 2 ]"));
  EXPECT_EQ(ViablePrefix(Matcher(pair), "[1,2,3]"), 4u);
  EXPECT_EQ(ViablePrefix(Matcher(pair), "[1,]"), 3u);
  EXPECT_TRUE(Complete(R"({"type":"array"})", R"([1,"a",[],{}])"));
  EXPECT_TRUE(Complete(R"({"type":"array","maxItems":0})", "[]"));
}

TEST(JsonMatcherTest, RefsAndRecursion) {
  const char* tree = R"({"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},
      "kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["v"]}},"$ref":"#/$defs/node"})";
  EXPECT_TRUE(Complete(tree, R"({"v":1,"kids":[{"v":2},{"v":3,"kids":[]}]})"));
  EXPECT_EQ(ViablePrefix(Matcher(tree), R"({"v":1,"kids":[{"w")"), 17u);
  const char* defs = R"({"type":"array","items":{"$ref":"#/definitions/Item"},
      "definitions":{"Item":{"enum":["a","b"]}}})";
  EXPECT_TRUE(Complete(defs, R"(["a","b","a"])"));
  EXPECT_EQ(ViablePrefix(Matcher(defs), R"(["c"])"), 2u);
}

TEST(JsonMatcherTest, AnyOfTypeArraysAndNullable) {
  const char* either = R"({"anyOf":[{"type":"string"},{"type":"integer"}]})";
  EXPECT_TRUE(Complete(either, R"("s")"));
  EXPECT_TRUE(Complete(either, "12"));
  EXPECT_EQ(ViablePrefix(Matcher(either), "true"), 0u);
  EXPECT_TRUE(Complete(R"({"type":["string","null"]})", "null"));
  EXPECT_TRUE(Complete(R"({"type":"integer","nullable":true})", "null"));
  EXPECT_TRUE(Complete(R"({"type":"integer","nullable":true})", "7"));
  const char* objects = R"({"oneOf":[{"properties":{"cat":{"type":"string"}},"required":["cat"]},
      {"properties":{"car":{"type":"integer"}},"required":["car"]}]})";
  EXPECT_TRUE(Complete(objects, R"({"cat":"tom"})"));
  EXPECT_TRUE(Complete(objects, R"({"car":4})"));
  EXPECT_EQ(ViablePrefix(Matcher(objects), R"({"cat":4})"), 7u);
}

TEST(JsonMatcherTest, WhitespaceRunsAreBounded) {
  JsonMatcher m = Matcher("json");
  const std::string run(JsonMatcher::kMaxWhitespaceRun, ' ');
  EXPECT_TRUE(m.Allows("{" + run + "}"));
  EXPECT_FALSE(m.Allows("{" + run + " }"));
  EXPECT_TRUE(m.Allows("{\n\n}"));
  EXPECT_FALSE(m.Allows("{\n\n\n}"));
  // A new run starts after every structural byte, so pretty-printed documents fit.
  EXPECT_TRUE(Complete("json", "{\n    \"a\": [\n        1,\n        2\n    ],\n    \"b\": {}\n}"));
}

TEST(JsonMatcherTest, NestingIsBounded) {
  JsonMatcher m = Matcher("json");
  std::string deep = "{\"a\":";
  for (int i = 1; i < JsonMatcher::kMaxNesting; ++i) deep += "[";
  EXPECT_TRUE(m.Accept(deep));
  EXPECT_FALSE(m.Allows("[")) << "one level deeper than kMaxNesting";
  EXPECT_TRUE(m.Allows("1"));
}

TEST(JsonMatcherTest, AllowedFirstBytes) {
  JsonMatcher m = Matcher(R"({"properties":{"a":{"type":"integer"}},"required":["a"]})");
  ASSERT_TRUE(m.Accept("{"));
  std::array<bool, 256> allowed{};
  m.AllowedFirstBytes(allowed);
  std::string bytes;
  for (int b = 0; b < 256; ++b) {
    if (allowed[b]) bytes += static_cast<char>(b);
  }
  EXPECT_EQ(bytes, "\t\n\r \"") << "a required key must come first";
  ASSERT_TRUE(m.Accept("\"a\":"));
  m.AllowedFirstBytes(allowed);
  bytes.clear();
  for (int b = 0; b < 256; ++b) {
    if (allowed[b]) bytes += static_cast<char>(b);
  }
  EXPECT_EQ(bytes, "\t\n\r -0123456789");
}

}  // namespace
}  // namespace hearth
