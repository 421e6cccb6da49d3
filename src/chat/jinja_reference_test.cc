// Differential test: random conversations rendered by our Jinja interpreter and by the reference
// engine (@huggingface/jinja via tests/reference/render_template.mjs) must match byte for byte,
// for every template in tests/testdata/templates. Needs node and tests/reference/node_modules;
// when either is missing the test fails (it must never silently pass).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "chat/chat_template.h"

namespace hearth {
namespace {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr int kCasesPerTemplate = 50;

std::string ReadFile(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string RunCommand(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  *status = pclose(p);
  return out;
}

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}

  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[static_cast<size_t>(Int(0, static_cast<int>(v.size()) - 1))]; }

  std::string Text(int max_words = 8) {
    static const std::vector<std::string> kWords = {
        "hello", "Weather", "in", "Paris", "what's", "the", "time?", "naïve", "café", "日本語", "テスト",
        "😀", "Ωmega", "Straße", "ключ", "\"quoted\"", "back\\slash", "{braces}", "[list]", "a,b", "key:value",
        "tab\there", "new\nline", "  spaced  ", "\u00a0nbsp", "ideo\u3000space", "<b>", "50%", "x=1;", "''"};
    std::string s;
    if (Chance(0.15)) s += Pick<std::string>({" ", "\n", "  \n", "\t"});
    const int n = Int(1, max_words);
    for (int i = 0; i < n; ++i) {
      if (i) s += Chance(0.1) ? "\n" : " ";
      s += Pick(kWords);
    }
    if (Chance(0.15)) s += Pick<std::string>({" ", "\n", " \n\n"});
    return s;
  }

  std::string Key() {
    static const std::vector<std::string> kKeys = {"city", "unit", "Days", "count", "_private", "zeta", "Alpha",
                                                   "beta2", "名前", "ключ", "max_items", "B", "a", "query", "ID"};
    return Pick(kKeys);
  }

  json Scalar() {
    switch (Int(0, 7)) {
      case 0: return Text(3);
      case 1: return Int(-1000, 100000);
      case 2: return Pick<double>({2.5, -0.125, 3.14159, 1e-7, 123456.75, 0.1, 1e21, 18.0});
      case 3: return Chance(0.5);
      case 4: return nullptr;
      default: return Text(2);
    }
  }

  json ArgValue(int depth) {
    const int kind = depth > 2 ? 0 : Int(0, 5);
    if (kind == 4) {
      json o = json::object();
      for (int i = Int(0, 3); i > 0; --i) o[Key()] = ArgValue(depth + 1);
      return o;
    }
    if (kind == 5) {
      json a = json::array();
      for (int i = Int(0, 3); i > 0; --i) a.push_back(ArgValue(depth + 1));
      return a;
    }
    return Scalar();
  }

  json Property(int depth) {
    static const std::vector<std::string> kTypes = {"string", "integer", "number", "boolean", "array", "object"};
    const std::string type = depth > 2 ? "string" : Pick(kTypes);
    json p = json::object();
    if (Chance(0.3)) p["title"] = "ignored";
    p["type"] = type;
    if (Chance(0.7)) p["description"] = Text(5);
    if (type == "string" && Chance(0.4)) p["enum"] = json::array({Text(1), Text(1), "c"});
    if (type == "integer" && Chance(0.3)) p["enum"] = json::array({1, 2, 3});
    if (Chance(0.2)) p["nullable"] = true;
    if (Chance(0.2)) p["default"] = Scalar();
    if (type == "array") {
      if (Chance(0.5)) {
        p["items"] = {{"type", Pick<std::string>({"string", "integer"})}};
      } else if (Chance(0.7)) {
        json items = {{"type", "object"}, {"properties", Properties(depth + 1)}};
        if (Chance(0.5)) items["required"] = json::array({Key()});
        if (Chance(0.3)) items["description"] = Text(2);
        p["items"] = items;
      }
    }
    if (type == "object" && Chance(0.8)) {
      p["properties"] = Properties(depth + 1);
      if (Chance(0.5)) p["required"] = json::array({Key()});
    }
    return p;
  }

  json Properties(int depth) {
    json props = json::object();
    for (int i = Int(1, 4); i > 0; --i) props[Key()] = Property(depth);
    return props;
  }

  json Tool() {
    json fn = {{"name", Pick<std::string>({"get_weather", "search", "create_event", "run_code", "lookup-item"})}};
    if (Chance(0.9)) fn["description"] = Text(6);
    if (Chance(0.85)) {
      json params = {{"type", "object"}, {"properties", Properties(0)}};
      if (Chance(0.6)) params["required"] = json::array({Key(), Key()});
      fn["parameters"] = params;
    }
    if (Chance(0.1)) fn["response"] = {{"description", Text(3)}, {"type", "object"}};
    return {{"type", "function"}, {"function", fn}};
  }

  json Content(bool allow_parts) {
    if (!allow_parts || Chance(0.7)) return Text();
    json parts = json::array();
    for (int i = Int(1, 4); i > 0; --i) {
      switch (Int(0, 3)) {
        case 0: parts.push_back({{"type", "image"}}); break;
        case 1: parts.push_back({{"type", "audio"}}); break;
        default: parts.push_back({{"type", "text"}, {"text", Text()}}); break;
      }
    }
    return parts;
  }

  json Conversation(const json& tools) {
    json msgs = json::array();
    if (Chance(0.4)) msgs.push_back({{"role", Chance(0.8) ? "system" : "developer"}, {"content", Text()}});
    int call_id = 0;
    for (int turn = Int(1, 4); turn > 0; --turn) {
      msgs.push_back({{"role", "user"}, {"content", Content(true)}});
      if (turn == 1 && Chance(0.5)) break;  // end on a user message
      json a = {{"role", "assistant"}};
      const bool calls = !tools.empty() && Chance(0.5);
      a["content"] = calls && Chance(0.6) ? json("") : json(Text() + (Chance(0.2) ? "<|channel>thought\nold<channel|>" : ""));
      if (Chance(0.4)) a["reasoning_content"] = Text(4);
      json results = json::array();
      if (calls) {
        json tc = json::array();
        for (int k = Int(1, 2); k > 0; --k) {
          json args = json::object();
          for (int i = Int(0, 3); i > 0; --i) args[Key()] = ArgValue(0);
          const std::string id = "call_" + std::to_string(++call_id);
          const std::string name = tools[static_cast<size_t>(Int(0, static_cast<int>(tools.size()) - 1))]["function"]["name"];
          tc.push_back({{"id", id}, {"type", "function"}, {"function", {{"name", name}, {"arguments", args}}}});
          if (Chance(0.85)) {
            json content = Chance(0.8) ? json(Chance(0.5) ? Text() : R"({"temperature": 18, "ok": true})")
                                       : json::array({{{"type", "text"}, {"text", Text(3)}}});
            results.push_back({{"role", "tool"}, {"tool_call_id", id}, {"content", content}});
          }
        }
        a["tool_calls"] = tc;
      }
      msgs.push_back(a);
      for (auto& r : results) msgs.push_back(r);
      if (calls && !results.empty() && Chance(0.5)) msgs.push_back({{"role", "assistant"}, {"content", Text()}});
    }
    return msgs;
  }

  json Case() {
    json c = json::object();
    json tools = json::array();
    if (Chance(0.6)) {
      for (int i = Int(1, 3); i > 0; --i) tools.push_back(Tool());
    }
    c["messages"] = Conversation(tools);
    if (!tools.empty() || Chance(0.2)) c["tools"] = tools;
    if (Chance(0.66)) c["enable_thinking"] = Chance(0.5);
    c["add_generation_prompt"] = Chance(0.85);
    c["bos_token"] = "<bos>";
    return c;
  }

 private:
  std::mt19937 rng_;
};

TEST(JinjaReference, RandomConversationsMatchHuggingFaceJinja) {
  const fs::path testdata = HEARTH_TESTDATA;
  const fs::path reference = testdata.parent_path() / "reference";
  const fs::path script = reference / "render_template.mjs";
  int status = 0;
  std::string node = RunCommand("command -v node 2>/dev/null", &status);
  while (!node.empty() && (node.back() == '\n' || node.back() == '\r')) node.pop_back();
  ASSERT_FALSE(node.empty()) << "node (Node.js) not found on PATH: this test needs it to run the reference "
                                "renderer @huggingface/jinja; install Node.js 20+";
  ASSERT_TRUE(fs::exists(reference / "node_modules" / "@huggingface" / "jinja"))
      << "missing " << (reference / "node_modules").string() << ": run `npm ci` in " << reference.string();
  ASSERT_TRUE(fs::exists(script)) << script;

  const fs::path tmp = fs::temp_directory_path() / ("hearth_jinja_ref_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  int templates = 0;
  for (const auto& entry : fs::directory_iterator(testdata / "templates")) {
    if (entry.path().extension() != ".jinja") continue;
    ++templates;
    const std::string name = entry.path().filename().string();
    const std::string source = ReadFile(entry.path());
    Gen gen(static_cast<uint32_t>(std::hash<std::string>{}(name) & 0xffffffffu));
    json cases = json::array();
    for (int i = 0; i < kCasesPerTemplate; ++i) cases.push_back(gen.Case());
    const fs::path input = tmp / (name + ".json");
    std::ofstream(input, std::ios::binary) << cases.dump();
    const std::string cmd = "'" + node + "' '" + script.string() + "' '" + entry.path().string() + "' '" +
                            input.string() + "'";
    const std::string out = RunCommand(cmd, &status);
    ASSERT_EQ(status, 0) << "reference renderer failed: " << cmd << "\n" << out;
    const json results = json::parse(out, nullptr, false);
    ASSERT_TRUE(results.is_array() && results.size() == cases.size()) << out.substr(0, 500);
    int matched = 0, both_failed = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
      const json& c = cases[i];
      ChatRenderOptions opts;
      opts.normalize = false;
      opts.add_generation_prompt = c["add_generation_prompt"].get<bool>();
      if (c.contains("enable_thinking")) opts.enable_thinking = c["enable_thinking"].get<bool>();
      Result<std::string> got = RenderChat(source, c["messages"], c.contains("tools") ? c["tools"] : json(), opts);
      const json& want = results[i];
      if (!want["ok"].get<bool>()) {
        EXPECT_FALSE(got.ok()) << name << " case " << i << ": reference failed (" << want["error"]
                               << ") but we rendered\n" << c.dump();
        ++both_failed;
        continue;
      }
      ASSERT_TRUE(got.ok()) << name << " case " << i << ": " << got.error().ToString() << "\n" << c.dump();
      EXPECT_EQ(*got, want["text"].get<std::string>()) << name << " case " << i << "\n" << c.dump();
      if (*got == want["text"].get<std::string>()) ++matched;
    }
    std::printf("%s: %d identical, %d rejected by both engines\n", name.c_str(), matched, both_failed);
    EXPECT_GE(matched, kCasesPerTemplate * 3 / 4) << name << ": too many cases where the reference failed ("
                                                  << both_failed << ")";
  }
  EXPECT_EQ(templates, 5);
  std::error_code ec;
  fs::remove_all(tmp, ec);
}

}  // namespace
}  // namespace hearth
