#include "store/modelfile.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "base/ascii.h"

namespace hearth::store {
namespace {

enum class ParamKind { kInt, kFloat, kBool, kStringList };

// The options a params layer may hold (Ollama's api.Options names that we honour or accept).
const std::map<std::string, ParamKind, std::less<>>& KnownParameters() {
  static const std::map<std::string, ParamKind, std::less<>> kParams = {
      {"temperature", ParamKind::kFloat}, {"top_k", ParamKind::kInt},          {"top_p", ParamKind::kFloat},
      {"min_p", ParamKind::kFloat},       {"repeat_penalty", ParamKind::kFloat}, {"repeat_last_n", ParamKind::kInt},
      {"presence_penalty", ParamKind::kFloat}, {"frequency_penalty", ParamKind::kFloat},
      {"seed", ParamKind::kInt},          {"num_predict", ParamKind::kInt},    {"num_ctx", ParamKind::kInt},
      {"num_batch", ParamKind::kInt},     {"num_thread", ParamKind::kInt},     {"num_keep", ParamKind::kInt},
      {"typical_p", ParamKind::kFloat},   {"use_mmap", ParamKind::kBool},      {"stop", ParamKind::kStringList}};
  return kParams;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The layers Modelfile text ends up in are JSON, which holds only UTF-8; the serializer is the
// judge, so what passes here always dumps.
bool IsUtf8(std::string_view s) {
  try {
    (void)nlohmann::json(std::string(s)).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Modelfile> Run() {
    Modelfile mf;
    while (pos_ < text_.size()) {
      const size_t line_no = line_;
      std::string_view line = NextLine();
      line = Trim(line);
      if (line.empty() || line.front() == '#') continue;
      const size_t sp = line.find_first_of(" \t");
      const std::string keyword = AsciiLower(line.substr(0, sp));
      std::string_view rest = sp == std::string_view::npos ? std::string_view() : Trim(line.substr(sp));
      const std::string where = "Modelfile line " + std::to_string(line_no) + ": ";
      if (keyword == "parameter" || keyword == "message") {
        const size_t sp2 = rest.find_first_of(" \t");
        if (sp2 == std::string_view::npos) return InvalidArgument(where + keyword + " needs a name and a value");
        const std::string key = AsciiLower(rest.substr(0, sp2));
        HEARTH_ASSIGN_OR_RETURN(std::string value, Value(Trim(rest.substr(sp2)), where));
        if (keyword == "parameter") {
          mf.parameters.emplace_back(key, value);
        } else {
          if (key != "system" && key != "user" && key != "assistant") {
            return InvalidArgument(where + "MESSAGE role must be system, user or assistant, not '" + key + "'");
          }
          mf.messages.push_back({key, value});
        }
        continue;
      }
      HEARTH_ASSIGN_OR_RETURN(std::string value, Value(rest, where));
      if (keyword == "from") {
        if (!mf.from.empty()) return InvalidArgument(where + "more than one FROM");
        mf.from = value;
      } else if (keyword == "adapter") {
        mf.adapters.push_back(value);
      } else if (keyword == "system") {
        mf.system = value, mf.has_system = true;
      } else if (keyword == "template") {
        mf.template_text = value, mf.has_template = true;
      } else if (keyword == "license") {
        mf.license = value, mf.has_license = true;
      } else {
        return InvalidArgument(where + "unknown instruction '" + std::string(line.substr(0, sp)) + "'");
      }
    }
    if (mf.from.empty()) return InvalidArgument("Modelfile has no FROM line");
    return mf;
  }

 private:
  std::string_view NextLine() {
    const size_t end = text_.find('\n', pos_);
    const std::string_view line = text_.substr(pos_, end == std::string_view::npos ? std::string_view::npos : end - pos_);
    pos_ = end == std::string_view::npos ? text_.size() : end + 1;
    ++line_;
    return line;
  }

  // A value: """multi-line""" (may continue on the following lines), "quoted" (a backslash escapes
  // the next character), or the rest of the line as is.
  Result<std::string> Value(std::string_view rest, const std::string& where) {
    if (rest.starts_with("\"\"\"")) {
      std::string out;
      std::string_view body = rest.substr(3);
      for (;;) {
        if (const size_t close = body.find("\"\"\""); close != std::string_view::npos) {
          if (!Trim(body.substr(close + 3)).empty()) return InvalidArgument(where + "text after closing \"\"\"");
          out += body.substr(0, close);
          return out;
        }
        if (pos_ >= text_.size()) return InvalidArgument(where + "unterminated \"\"\"");
        out += body;
        out += '\n';
        body = NextLine();
      }
    }
    if (rest.starts_with('"')) {
      std::string out;
      for (size_t i = 1; i < rest.size(); ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) {
          out += rest[++i];
        } else if (rest[i] == '"') {
          if (!Trim(rest.substr(i + 1)).empty()) return InvalidArgument(where + "text after closing quote");
          return out;
        } else {
          out += rest[i];
        }
      }
      return InvalidArgument(where + "unterminated quote");
    }
    if (rest.empty()) return InvalidArgument(where + "missing value");
    return std::string(rest);
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

}  // namespace

Result<Modelfile> ParseModelfile(std::string_view text) {
  if (!IsUtf8(text)) {
    size_t line = 1;
    for (size_t start = 0; start <= text.size(); ++line) {
      const size_t end = std::min(text.find('\n', start), text.size());
      if (!IsUtf8(text.substr(start, end - start))) break;
      start = end + 1;
    }
    return InvalidArgument("Modelfile line " + std::to_string(line) + ": not valid UTF-8");
  }
  return Parser(text).Run();
}

Result<std::string> ParametersJson(const std::vector<std::pair<std::string, std::string>>& parameters) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [key, value] : parameters) {
    const auto known = KnownParameters().find(key);
    if (known == KnownParameters().end()) return InvalidArgument("unknown PARAMETER '" + key + "'");
    const std::string bad = "PARAMETER " + key + ": '" + value + "' is not ";
    const char* first = value.data();
    const char* last = value.data() + value.size();
    switch (known->second) {
      case ParamKind::kInt: {
        long long v = 0;
        const auto [p, ec] = std::from_chars(first, last, v);
        if (ec != std::errc() || p != last) return InvalidArgument(bad + "an integer");
        j[key] = v;
        break;
      }
      case ParamKind::kFloat: {
        double v = 0;
        const auto [p, ec] = std::from_chars(first, last, v);
        if (ec != std::errc() || p != last) return InvalidArgument(bad + "a number");
        j[key] = v;
        break;
      }
      case ParamKind::kBool: {
        const std::string v = AsciiLower(value);
        if (v != "true" && v != "false") return InvalidArgument(bad + "true or false");
        j[key] = v == "true";
        break;
      }
      case ParamKind::kStringList:
        j[key].push_back(value);
        break;
    }
  }
  return j.dump();
}

std::string MessagesJson(const std::vector<ModelfileMessage>& messages) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const ModelfileMessage& m : messages) j.push_back({{"role", m.role}, {"content", m.content}});
  return j.dump();
}

}  // namespace hearth::store
