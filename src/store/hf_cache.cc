#include "store/hf_cache.h"

#include <cstdlib>
#include <filesystem>

namespace hearth::store {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

}  // namespace

std::string HfCacheRoot() {
  if (std::string v = Env("HF_HUB_CACHE"); !v.empty()) return v;
  if (std::string v = Env("HF_HOME"); !v.empty()) return v + "/hub";
  if (std::string v = Env("XDG_CACHE_HOME"); !v.empty()) return v + "/huggingface/hub";
  return Env("HOME") + "/.cache/huggingface/hub";
}

std::optional<std::string> FindInHfCache(std::string_view repo, std::string_view sha256) {
  std::string folder = "models--" + std::string(repo);
  for (size_t at = folder.find('/'); at != std::string::npos; at = folder.find('/', at + 2)) folder.replace(at, 1, "--");
  const std::string path = HfCacheRoot() + "/" + folder + "/blobs/" + std::string(sha256);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  return path;
}

}  // namespace hearth::store
