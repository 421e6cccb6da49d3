// MODEL arguments: a GGUF path, or the name of a model in the store (resolved to its blob).
#include <filesystem>

#include "cli/command.h"
#include "store/model_store.h"

namespace hearth::cli {

Result<std::string> ResolveModelFile(const std::string& arg) {
  std::error_code ec;
  // Anything path-like that is not a store name goes to the loader as is, so a missing or broken
  // file keeps the loader's own error ("No such file", "not a GGUF file").
  const bool path_like = arg.ends_with(".gguf") || arg.ends_with(".GGUF") || arg.starts_with(".");
  if (std::filesystem::is_regular_file(arg, ec) || path_like) return arg;
  Result<store::ModelName> name = store::ParseModelName(arg);
  if (!name) return arg;
  HEARTH_ASSIGN_OR_RETURN(store::ModelStore models, store::ModelStore::OpenDefault());
  Result<std::string> path = models.ModelPath(*name);
  if (!path && path.error().code() == StatusCode::kNotFound) {
    return NotFound(path.error().message() + " (not a file either); `hearth pull` fetches models, `hearth list` "
                    "shows the store");
  }
  return path;
}

}  // namespace hearth::cli
