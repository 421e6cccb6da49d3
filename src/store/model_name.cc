#include "store/model_name.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/ascii.h"

namespace hearth::store {
namespace {

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

enum class Part { kHost, kNamespace, kModel, kTag };

const char* PartName(Part p) {
  switch (p) {
    case Part::kHost: return "host";
    case Part::kNamespace: return "namespace";
    case Part::kModel: return "model";
    case Part::kTag: return "tag";
  }
  return "part";
}

// Ollama's part rules: first char [A-Za-z0-9_], then [A-Za-z0-9_-], `.` except in the namespace,
// `:` only in the host (a port). A part made only of dots can't pass (first char rule), so `.`
// and `..` never become path components.
Status CheckPart(std::string_view s, Part part) {
  const size_t max_len = part == Part::kHost ? 350 : 80;
  const std::string what = std::string(PartName(part)) + " '" + std::string(s) + "'";
  if (s.empty()) return InvalidArgument(std::string("empty ") + PartName(part));
  if (s.size() > max_len) return InvalidArgument(what + " is longer than " + std::to_string(max_len) + " characters");
  if (!IsWordChar(s[0])) return InvalidArgument(what + " must start with a letter, digit or '_'");
  for (char c : s) {
    const bool ok = IsWordChar(c) || c == '-' || (c == '.' && part != Part::kNamespace) || (c == ':' && part == Part::kHost);
    if (!ok) return InvalidArgument(what + " may only hold letters, digits, '_', '-'" +
                                    (part == Part::kNamespace ? std::string() : std::string(" and '.'")));
  }
  return Status::Ok();
}

}  // namespace

std::string ModelName::Display() const {
  std::string out;
  if (host != kDefaultHost) out += host + "/";
  if (host != kDefaultHost || name_space != kDefaultNamespace) out += name_space + "/";
  return out + model + ":" + tag;
}

std::string ModelName::ManifestRelPath() const {
  return AsciiLower(host) + "/" + AsciiLower(name_space) + "/" + AsciiLower(model) + "/" + AsciiLower(tag);
}

Result<ModelName> ParseModelName(std::string_view text) {
  const std::string quoted = "invalid model name '" + std::string(text) + "': ";
  if (text.empty()) return InvalidArgument("empty model name");
  if (text.size() > 512) return InvalidArgument("model name longer than 512 characters");
  std::string_view rest = text;
  if (const size_t scheme = rest.find("://"); scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
  ModelName n;
  const size_t slash = rest.rfind('/');
  const size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    n.tag = std::string(rest.substr(colon + 1));
    n.tag_given = true;
    rest = rest.substr(0, colon);
  } else {
    n.tag = std::string(kDefaultTag);
  }
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t end = rest.find('/', start);
    parts.push_back(rest.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() > 3) return InvalidArgument(quoted + "too many '/' (expected [host/][namespace/]model[:tag])");
  n.model = std::string(parts.back());
  n.name_space = parts.size() >= 2 ? std::string(parts[parts.size() - 2]) : std::string(kDefaultNamespace);
  n.host = parts.size() == 3 ? std::string(parts[0]) : std::string(kDefaultHost);
  if (AsciiLower(n.host) == "huggingface.co" || AsciiLower(n.host) == kHfHost) n.host = std::string(kHfHost);
  for (auto [s, p] : {std::pair<const std::string&, Part>{n.host, Part::kHost}, {n.name_space, Part::kNamespace},
                      {n.model, Part::kModel}, {n.tag, Part::kTag}}) {
    if (Status st = CheckPart(s, p); !st.ok()) return InvalidArgument(quoted + st.message());
  }
  return n;
}

}  // namespace hearth::store
