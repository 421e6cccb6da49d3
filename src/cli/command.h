// The command registry of the `hearth` binary: each src/cli/cmd_*.cc adds one subcommand with
// its flags (declared once, with help and defaults) and a Run function that returns the exit
// code. Only main.cc turns that into a process exit.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "base/status.h"
#include "tensor/dtype.h"

namespace hearth::cli {

using RunFn = std::function<int()>;

// Registration hooks, one per subcommand; each returns the function to run when selected.
RunFn AddMakeTestModelCommand(CLI::App& app);
RunFn AddLogitsCommand(CLI::App& app);
RunFn AddShowCommand(CLI::App& app);
RunFn AddTokenizeCommand(CLI::App& app);
RunFn AddPromptCommand(CLI::App& app);
RunFn AddRunCommand(CLI::App& app);
RunFn AddServeCommand(CLI::App& app);
RunFn AddBenchCommand(CLI::App& app);
RunFn AddListCommand(CLI::App& app);
RunFn AddRmCommand(CLI::App& app);
RunFn AddCpCommand(CLI::App& app);
RunFn AddPullCommand(CLI::App& app);
RunFn AddCreateCommand(CLI::App& app);
RunFn AddRecommendCommand(CLI::App& app);
RunFn AddPsCommand(CLI::App& app);

// A MODEL argument: an existing file as is, else a store name resolved to its GGUF blob.
Result<std::string> ResolveModelFile(const std::string& arg);

// --kv-cache-type on a command that makes or plans K/V caches (kv_cache_flag.cc).
void AddKvCacheTypeOption(CLI::App* cmd, std::string& value);
// The flag's value, else HEARTH_KV_CACHE_TYPE, else OLLAMA_KV_CACHE_TYPE, else f32
// (kv_cache/kv_cache_type.h); an unknown name is an error listing the valid ones.
Result<GgmlType> ResolveKvCacheType(const std::string& flag);

// Prints "hearth: <message>" to stderr and returns exit code 1.
int Fail(const Status& status);

}  // namespace hearth::cli
