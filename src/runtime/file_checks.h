// Checks a GGUF file before it is given a name in the store (`hearth create`, POST /api/create):
// the store links nothing that can read models, so its callers pass these in.
#pragma once

#include <string>

#include "base/status.h"

namespace hearth {

// Loads the file as a Gemma 4 model (shapes, types, tokenizer keys) and releases it.
[[nodiscard]] Status CheckModelFile(const std::string& path);
// Opens the file as GGUF (an adapter has no model of its own to load).
[[nodiscard]] Status CheckAdapterFile(const std::string& path);

}  // namespace hearth
