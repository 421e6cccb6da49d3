// The standard Hugging Face cache (spec §4.5): <cache>/models--ORG--REPO/blobs/<sha256> holds an
// LFS file under its sha256. A pull that finds the file there (from huggingface_hub, llama.cpp,
// ...) links or copies it instead of downloading it again.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hearth::store {

// $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub.
std::string HfCacheRoot();
// The cached blob of `repo` ("org/name") with this sha256, if a file is there (not yet verified).
std::optional<std::string> FindInHfCache(std::string_view repo, std::string_view sha256);

}  // namespace hearth::store
