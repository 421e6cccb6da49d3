// Which files of a Hugging Face GGUF repo to pull (spec §3.6): the model file for a quant tag and
// its mmproj projector. Pure functions over the repo's file list, so they are unit-tested without
// a network.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hearth::store {

struct HubFile {
  std::string path;    // inside the repo
  uint64_t size = 0;   // 0 when the listing did not say
  std::string sha256;  // LFS sha256 (64 hex), empty when the listing did not say
};

struct HubSelection {
  HubFile model;
  std::optional<HubFile> mmproj;
  std::string quant;  // the model file's quant label, e.g. "Q4_K_M" (empty if none recognised)
};

// The quant label in a GGUF file name ("gemma-4-E4B-it-UD-Q4_K_XL.gguf" -> "UD-Q4_K_XL"), or "".
std::string QuantLabel(std::string_view path);

// `quant` empty: Q4_K_M, else Q8_0, else the first model file. Otherwise the file whose name
// holds the quant (case-insensitive) or equals it. An unknown quant's error lists those present.
Result<HubSelection> SelectHubFiles(const std::vector<HubFile>& files, std::string_view quant);

}  // namespace hearth::store
