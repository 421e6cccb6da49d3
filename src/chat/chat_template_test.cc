// Renders every case of tests/testdata/gemma4-chat-vectors.json with the template it names and
// compares byte for byte with the @huggingface/jinja output stored there.
#include "chat/chat_template.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "chat/jinja.h"

namespace hearth {
namespace {

using json = nlohmann::ordered_json;

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(ChatTemplateVectors, AllCasesMatchReference) {
  const std::string dir = HEARTH_TESTDATA;
  const json vectors = json::parse(ReadFile(dir + "/gemma4-chat-vectors.json"));
  int checked = 0;
  for (const char* group : {"cases", "edge_cases"}) {
    for (const json& c : vectors[group]) {
      const json& in = c["input"];
      ChatRenderOptions opts;
      opts.normalize = false;
      opts.add_generation_prompt = in.value("add_generation_prompt", true);
      if (in.contains("enable_thinking")) opts.enable_thinking = in["enable_thinking"].get<bool>();
      const json tools = in.contains("tools") ? in["tools"] : json();
      for (auto it = c["jinja"].begin(); it != c["jinja"].end(); ++it) {
        const std::string tmpl = ReadFile(dir + "/templates/" + it.key());
        ASSERT_FALSE(tmpl.empty()) << it.key();
        const std::string expected = it.value().get<std::string>();
        Result<std::string> got = RenderChat(tmpl, in["messages"], tools, opts);
        if (expected.rfind("ERROR", 0) == 0) {
          EXPECT_FALSE(got.ok()) << c["name"] << " / " << it.key() << " should fail like the reference";
        } else {
          ASSERT_TRUE(got.ok()) << c["name"] << " / " << it.key() << ": " << got.error().ToString();
          EXPECT_EQ(*got, expected) << c["name"] << " / " << it.key();
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(ChatTemplate, NormalizesStringArgumentsAndTypes) {
  const std::string tmpl = ReadFile(std::string(HEARTH_TESTDATA) + "/templates/google-gemma-4-31B-it-canonical-2026-07-09.jinja");
  const json messages = json::parse(R"([{"role":"user","content":"hi"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{\"x\": 1}"}}]},
    {"role":"tool","tool_call_id":"a","content":"ok"}])");
  const json tools = json::parse(R"([{"type":"function","function":{"name":"f","description":"d",
    "parameters":{"properties":{"x":{"type":["integer","null"]}}}}}])");
  Result<std::string> got = RenderChat(tmpl, messages, tools, {});
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_NE(got->find("<|tool_call>call:f{x:1}<tool_call|>"), std::string::npos) << *got;
  EXPECT_NE(got->find("x:{nullable:true,type:<|\"|>INTEGER<|\"|>}"), std::string::npos) << *got;
  EXPECT_NE(got->find("type:<|\"|>OBJECT<|\"|>}"), std::string::npos) << *got;
}

TEST(Jinja, ErrorsCarryPosition) {
  auto t = jinja::Template::Parse("hello\n{{ foo( }}");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message().find("line 2"), std::string::npos) << t.error().message();
  auto r = jinja::Template::Parse("{% for x in y %}");
  EXPECT_FALSE(r.ok());
}

TEST(Jinja, LimitsStopRunawayTemplates) {
  auto t = jinja::Template::Parse("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->Render(jinja::Value::MakeObject()).ok());
  auto big = jinja::Template::Parse("{% set ns = namespace(s='ab') %}{% for i in range(100) %}"
                                    "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}");
  ASSERT_TRUE(big.ok());
  auto r = big->Render(jinja::Value::MakeObject());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kResourceExhausted);
  std::string deep(5000, '(');
  EXPECT_FALSE(jinja::Template::Parse("{{ " + deep + " }}").ok());
}

TEST(Jinja, ExpressionsAndFilters) {
  struct Case { const char* src; const char* want; };
  const Case cases[] = {
      {"{{ 1 + 2 * 3 }}", "7"},
      {"{{ 'a' ~ 1 ~ none }}", "ERR"},
      {"{{ [1,2,3][1:] | length }}", "2"},
      {"{{ {'b':1,'A':2} | dictsort | first | first }}", "A"},
      {"{{ 'x' if false else 'y' }}", "y"},
      {"{% for k, v in {'a':1}.items() %}{{ k }}={{ v }}{% endfor %}", "a=1"},
      {"{% for x in [] %}a{% else %}empty{% endfor %}", "empty"},
      {"{{ '  hi ' | trim | upper }}", "HI"},
      {"{{ {'a': [1, 'x', none]} | tojson }}", "{\"a\": [1, \"x\", null]}"},
      {"{{ 'é' | tojson }}", "\"é\""},
      {"{{ undefined_var is defined }}", "false"},
      {"{{ 2.5 }} {{ 3.0 }} {{ 1 / 4 }}", "2.5 3.0 0.25"},
      {"{{ 'a,b'.split(',') | join('-') }}", "a-b"},
      {"{%- set x -%} inner {%- endset -%}[{{ x }}]", "[inner]"},
      {"{% for i in range(3) %}{{ loop.index }}{{ ',' if not loop.last }}{% endfor %}", "1,2,3"},
      {"{% macro m(a, b='d') %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}{{ m(1, b=2) }}", "1d12"},
      {"{{ 'x' in ['x'] }}{{ 'y' not in {'y':1} }}", "truefalse"},
  };
  for (const Case& c : cases) {
    auto t = jinja::Template::Parse(c.src);
    ASSERT_TRUE(t.ok()) << c.src << ": " << t.error().ToString();
    auto r = t->Render(jinja::Value::MakeObject());
    if (std::string(c.want) == "ERR") {
      EXPECT_FALSE(r.ok()) << c.src;
    } else {
      ASSERT_TRUE(r.ok()) << c.src << ": " << r.error().ToString();
      EXPECT_EQ(*r, c.want) << c.src;
    }
  }
}

}  // namespace
}  // namespace hearth
