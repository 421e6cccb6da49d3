// The command registry of the `hearth` binary: each src/cli/cmd_*.cc adds one subcommand with
// its flags (declared once, with help and defaults) and a Run function that returns the exit
// code. Only main.cc turns that into a process exit.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "base/status.h"

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

// Prints "hearth: <message>" to stderr and returns exit code 1.
int Fail(const Status& status);

}  // namespace hearth::cli
