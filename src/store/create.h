// Creating a model in the store (`hearth create`, POST /api/create): FROM a GGUF file or another
// model, plus the Modelfile's settings (ADAPTER, SYSTEM, TEMPLATE, LICENSE, PARAMETER, MESSAGE)
// as layers, then the manifest. Files are checked through the caller's hooks before anything is
// imported, so a bad file never gets a name.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/manifest.h"
#include "store/model_name.h"
#include "store/model_store.h"
#include "store/modelfile.h"

namespace hearth::store {

struct CreateHooks {
  // Validate a FROM file (as a model) and each ADAPTER file; absent = no check.
  std::function<Status(const std::string& path)> check_model;
  std::function<Status(const std::string& path)> check_adapter;
  // Progress lines in Ollama's wording ("parsing GGUF", "using existing layer sha256:...",
  // "writing manifest"); absent = silent.
  std::function<void(std::string_view status)> on_status;
};

// FROM is a file when it names an existing one or looks like a path (relative paths resolve
// against `base_dir`, `~/` against $HOME); otherwise a model name in the store.
bool FromLooksLikePath(const std::string& from);

// Builds the layers and writes the manifest under `name` (store lock held for the write).
// NotFound for a missing FROM file or model; the check hooks' errors carry "FROM x" / "ADAPTER x".
[[nodiscard]] Result<Manifest> CreateModel(const ModelStore& store, const ModelName& name, const Modelfile& mf,
                                           const std::string& base_dir, const CreateHooks& hooks = {});

}  // namespace hearth::store
