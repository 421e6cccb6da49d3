// libFuzzer target: the Modelfile parser (`hearth create`, src/store/modelfile.h) on arbitrary
// text, then the two encoders that turn its PARAMETER and MESSAGE lines into store layers.
// Beyond the sanitizers it checks the parser's contract: a refusal is an InvalidArgument naming
// the problem, an accepted file has a FROM, lower-case parameter keys and only the three message
// roles, the encoders emit JSON of the right shape, and writing the parsed file back out (every
// value quoted) parses to the same instructions.
#include <cctype>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "store/modelfile.h"

namespace {

using hearth::store::Modelfile;

// A value in a form the parser reads back unchanged, or nullopt when the grammar has none: a
// single-line value is "quoted" with every quote and backslash escaped; a multi-line one goes in
// """triple quotes""", which cannot hold """ or end in a quote, and whose first line is trimmed.
std::optional<std::string> Quote(std::string_view v) {
  const size_t nl = v.find('\n');
  if (nl == std::string_view::npos) {
    std::string out = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  const std::string_view first = v.substr(0, nl);
  if (v.find("\"\"\"") != std::string_view::npos || v.back() == '"' ||
      (!first.empty() && std::isspace(static_cast<unsigned char>(first.back())))) {
    return std::nullopt;
  }
  return "\"\"\"" + std::string(v) + "\"\"\"";
}

// The file written back, or nullopt when a value has no faithful spelling.
std::optional<std::string> Write(const Modelfile& mf) {
  std::string out;
  bool ok = true;
  auto line = [&](std::string_view head, std::string_view value) {
    const std::optional<std::string> q = Quote(value);
    ok = ok && q.has_value();
    if (q) out += std::string(head) + " " + *q + "\n";
  };
  line("FROM", mf.from);
  for (const std::string& a : mf.adapters) line("ADAPTER", a);
  for (const auto& [key, value] : mf.parameters) line("PARAMETER " + key, value);
  if (mf.has_system) line("SYSTEM", mf.system);
  if (mf.has_template) line("TEMPLATE", mf.template_text);
  if (mf.has_license) line("LICENSE", mf.license);
  for (const auto& m : mf.messages) line("MESSAGE " + m.role, m.content);
  return ok ? std::optional<std::string>(out) : std::nullopt;
}

bool SameInstructions(const Modelfile& a, const Modelfile& b) {
  return a.from == b.from && a.adapters == b.adapters && a.parameters == b.parameters &&
         a.has_system == b.has_system && a.system == b.system && a.has_template == b.has_template &&
         a.template_text == b.template_text && a.has_license == b.has_license && a.license == b.license &&
         a.messages == b.messages;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  hearth::Result<Modelfile> mf = hearth::store::ParseModelfile(text);
  if (!mf) {
    HEARTH_FUZZ_CHECK(mf.error().code() == hearth::StatusCode::kInvalidArgument, mf.error().ToString().c_str());
    HEARTH_FUZZ_CHECK(!mf.error().message().empty(), "a refusal must say why");
    return 0;
  }
  HEARTH_FUZZ_CHECK(!mf->from.empty(), "accepted a Modelfile without FROM");
  for (const auto& [key, value] : mf->parameters) {
    for (char c : key) HEARTH_FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "parameter keys are lower-cased");
  }
  for (const auto& m : mf->messages) {
    HEARTH_FUZZ_CHECK(m.role == "system" || m.role == "user" || m.role == "assistant", m.role.c_str());
  }

  // The encoders run on what the parser accepted; parameters may still be refused (unknown key,
  // unparsable number), but what they emit must be the layer's JSON shape.
  if (hearth::Result<std::string> params = hearth::store::ParametersJson(mf->parameters); params) {
    const nlohmann::json j = nlohmann::json::parse(*params, nullptr, false);
    HEARTH_FUZZ_CHECK(j.is_object(), "params layer must be a JSON object");
    for (const auto& [key, value] : j.items()) {
      bool given = false;
      for (const auto& p : mf->parameters) given = given || p.first == key;
      HEARTH_FUZZ_CHECK(given, "params layer holds a key the Modelfile did not set");
    }
  } else {
    HEARTH_FUZZ_CHECK(params.error().code() == hearth::StatusCode::kInvalidArgument, params.error().ToString().c_str());
  }
  const nlohmann::json messages = nlohmann::json::parse(hearth::store::MessagesJson(mf->messages), nullptr, false);
  HEARTH_FUZZ_CHECK(messages.is_array() && messages.size() == mf->messages.size(), "messages layer shape");

  if (const std::optional<std::string> again = Write(*mf)) {
    hearth::Result<Modelfile> reparsed = hearth::store::ParseModelfile(*again);
    HEARTH_FUZZ_CHECK(reparsed.ok(), reparsed.ok() ? "" : reparsed.error().ToString().c_str());
    HEARTH_FUZZ_CHECK(SameInstructions(*mf, *reparsed), "writing a Modelfile back out changed it");
  }
  return 0;
}
