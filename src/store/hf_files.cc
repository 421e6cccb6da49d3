#include "store/hf_files.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "base/ascii.h"

namespace hearth::store {
namespace {

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view DirName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

bool IsGguf(std::string_view path) { return AsciiLower(path).ends_with(".gguf"); }

bool IsProjector(std::string_view path) { return IsGguf(path) && AsciiLower(BaseName(path)).find("mmproj") != std::string::npos; }

// Model GGUFs exclude projectors, importance matrices and speculative-decoding heads.
bool IsModelFile(std::string_view path) {
  if (!IsGguf(path)) return false;
  const std::string base = AsciiLower(BaseName(path));
  for (const char* skip : {"mmproj", "imatrix", "mtp-", "eagle3-", "dflash-", "dspark-"}) {
    if (base.find(skip) != std::string::npos) return false;
  }
  return true;
}

// The tag names this file when it equals the base name, or appears in it between a separator
// (start, '-', '.', '_') and a '.' or '-'.
bool NameHasQuant(std::string_view path, std::string_view quant) {
  const std::string base = AsciiLower(BaseName(path));
  const std::string q = AsciiLower(quant);
  if (base == q || base == q + ".gguf") return true;
  for (size_t at = base.find(q); at != std::string::npos; at = base.find(q, at + 1)) {
    const bool left = at == 0 || base[at - 1] == '-' || base[at - 1] == '.' || base[at - 1] == '_';
    const size_t end = at + q.size();
    const bool right = end < base.size() && (base[end] == '.' || base[end] == '-');
    if (left && right) return true;
  }
  return false;
}

// Among several matches (e.g. "x-Q4_K_M.gguf" and "x-UD-Q4_K_M.gguf") the shortest name is the
// plain quant.
std::optional<HubFile> FindQuant(const std::vector<HubFile>& models, std::string_view quant) {
  std::optional<HubFile> best;
  for (const HubFile& f : models) {
    if (NameHasQuant(f.path, quant) && (!best || f.path.size() < best->path.size())) best = f;
  }
  return best;
}

}  // namespace

std::string QuantLabel(std::string_view path) {
  static const std::regex kQuant(R"(((?:ud-)?(?:i?q\d[a-z0-9_]*|bf16|f16|f32|mxfp4))(?:-\d{5}-of-\d{5})?\.gguf$)",
                                 std::regex::icase);
  const std::string base(BaseName(path));
  std::smatch m;
  if (!std::regex_search(base, m, kQuant)) return "";
  const size_t at = static_cast<size_t>(m.position(1));
  if (at > 0 && base[at - 1] != '-' && base[at - 1] != '.' && base[at - 1] != '_') return "";
  std::string label = m[1].str();
  std::transform(label.begin(), label.end(), label.begin(), [](unsigned char c) { return std::toupper(c); });
  return label;
}

Result<HubSelection> SelectHubFiles(const std::vector<HubFile>& files, std::string_view quant) {
  std::vector<HubFile> models;
  for (const HubFile& f : files) {
    if (IsModelFile(f.path)) models.push_back(f);
  }
  std::sort(models.begin(), models.end(), [](const HubFile& a, const HubFile& b) { return a.path < b.path; });
  if (models.empty()) return NotFound("the repository holds no GGUF model file");
  std::optional<HubFile> chosen;
  if (quant.empty()) {
    chosen = FindQuant(models, "Q4_K_M");
    if (!chosen) chosen = FindQuant(models, "Q8_0");
    if (!chosen) chosen = models.front();
  } else {
    chosen = FindQuant(models, quant);
  }
  if (!chosen) {
    std::string have;
    for (const HubFile& f : models) {
      const std::string label = QuantLabel(f.path);
      have += (have.empty() ? "" : ", ") + (label.empty() ? std::string(BaseName(f.path)) : label);
    }
    return NotFound("no file for quant '" + std::string(quant) + "'; the repository has: " + have);
  }
  if (static const std::regex kSplit(R"(-\d{5}-of-\d{5}\.gguf$)", std::regex::icase);
      std::regex_search(chosen->path, kSplit)) {
    return Unsupported(chosen->path + " is split into parts; split GGUF files are not supported yet");
  }
  HubSelection sel{*chosen, std::nullopt, QuantLabel(chosen->path)};
  // The projector beside the model: one naming the model's quant, else F16, BF16, Q8_0, else any.
  std::vector<HubFile> projectors;
  for (const HubFile& f : files) {
    if (IsProjector(f.path) && DirName(f.path) == DirName(chosen->path)) projectors.push_back(f);
  }
  std::sort(projectors.begin(), projectors.end(), [](const HubFile& a, const HubFile& b) { return a.path < b.path; });
  std::vector<std::string> prefs;
  if (!sel.quant.empty()) prefs.push_back(sel.quant);
  for (const char* p : {"F16", "BF16", "Q8_0"}) prefs.emplace_back(p);
  for (const std::string& p : prefs) {
    if (sel.mmproj) break;
    for (const HubFile& f : projectors) {
      if (AsciiLower(QuantLabel(f.path)) == AsciiLower(p)) {
        sel.mmproj = f;
        break;
      }
    }
  }
  if (!sel.mmproj && !projectors.empty()) sel.mmproj = projectors.front();
  return sel;
}

}  // namespace hearth::store
