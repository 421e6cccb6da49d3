// `hearth list`, `hearth rm NAME...`, `hearth cp SRC DST`: the model store as Ollama's CLI shows
// it (spec §3.1): NAME, ID (12 hex of the manifest digest), SIZE (decimal units), MODIFIED.
#include <cstdio>
#include <ctime>
#include <memory>

#include "cli/command.h"
#include "store/model_store.h"
#include "store/progress.h"

namespace hearth::cli {
namespace {

std::string Ago(std::time_t when) {
  const long long secs = static_cast<long long>(std::time(nullptr) - when);
  struct Unit {
    long long secs;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{365LL * 86400, "year"}, {30LL * 86400, "month"}, {7LL * 86400, "week"},
                                    {86400, "day"},          {3600, "hour"},          {60, "minute"}};
  for (const Unit& u : kUnits) {
    if (secs >= u.secs) {
      const long long n = secs / u.secs;
      return std::to_string(n) + " " + u.name + (n == 1 ? "" : "s") + " ago";
    }
  }
  return "just now";
}

}  // namespace

RunFn AddListCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("list", "List the models in the store (~/.hearth/models, HEARTH_MODELS)");
  cmd->alias("ls");
  return [] {
    Result<store::ModelStore> models = store::ModelStore::OpenDefault();
    if (!models) return Fail(models.error());
    Result<std::vector<store::StoreEntry>> entries = models->List();
    if (!entries) return Fail(entries.error());
    std::printf("%-48s %-14s %-10s %s\n", "NAME", "ID", "SIZE", "MODIFIED");
    for (const store::StoreEntry& e : *entries) {
      std::printf("%-48s %-14s %-10s %s\n", e.name.Display().c_str(), e.digest_hex.substr(0, 12).c_str(),
                  store::ProgressBar::FormatBytes(e.size).c_str(), Ago(e.modified).c_str());
    }
    return 0;
  };
}

RunFn AddRmCommand(CLI::App& app) {
  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("rm", "Remove models from the store (blobs no other model uses go too)");
  cmd->add_option("model", *names, "Model names")->required();
  return [names] {
    Result<store::ModelStore> models = store::ModelStore::OpenDefault();
    if (!models) return Fail(models.error());
    for (const std::string& text : *names) {
      Result<store::ModelName> name = store::ParseModelName(text);
      if (!name) return Fail(name.error());
      if (Status st = models->Remove(*name); !st.ok()) return Fail(st);
      std::printf("deleted '%s'\n", name->Display().c_str());
    }
    return 0;
  };
}

RunFn AddCpCommand(CLI::App& app) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd = app.add_subcommand("cp", "Copy a model in the store to a new name (blobs are shared)");
  cmd->add_option("source", args->first, "Existing model name")->required();
  cmd->add_option("destination", args->second, "New model name")->required();
  return [args] {
    Result<store::ModelName> from = store::ParseModelName(args->first);
    if (!from) return Fail(from.error());
    Result<store::ModelName> to = store::ParseModelName(args->second);
    if (!to) return Fail(to.error());
    Result<store::ModelStore> models = store::ModelStore::OpenDefault();
    if (!models) return Fail(models.error());
    if (Status st = models->Copy(*from, *to); !st.ok()) return Fail(st);
    std::printf("copied '%s' to '%s'\n", from->Display().c_str(), to->Display().c_str());
    return 0;
  };
}

}  // namespace hearth::cli
