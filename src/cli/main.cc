// hearth command line: parses the subcommand and runs it. The only place that picks exit codes.
#include <cstdio>
#include <utility>
#include <vector>

#include "cli/command.h"

int main(int argc, char** argv) {
  CLI::App app{"hearth: run Google's Gemma 4 models on your own machine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hearth 0.1.0");
  std::vector<std::pair<CLI::App*, hearth::cli::RunFn>> commands;
  auto add = [&](hearth::cli::RunFn (*hook)(CLI::App&)) {
    const size_t before = app.get_subcommands({}).size();
    hearth::cli::RunFn run = hook(app);
    commands.emplace_back(app.get_subcommands({})[before], std::move(run));
  };
  add(hearth::cli::AddMakeTestModelCommand);
  add(hearth::cli::AddLogitsCommand);
  add(hearth::cli::AddShowCommand);
  add(hearth::cli::AddTokenizeCommand);
  add(hearth::cli::AddPromptCommand);
  add(hearth::cli::AddRunCommand);
  add(hearth::cli::AddServeCommand);
  add(hearth::cli::AddBenchCommand);
  add(hearth::cli::AddListCommand);
  add(hearth::cli::AddRmCommand);
  add(hearth::cli::AddCpCommand);
  add(hearth::cli::AddPullCommand);
  add(hearth::cli::AddCreateCommand);
  add(hearth::cli::AddRecommendCommand);
  add(hearth::cli::AddPsCommand);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& [sub, run] : commands) {
    if (sub->parsed()) return run();
  }
  return 2;
}
