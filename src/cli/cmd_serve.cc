// `hearth serve [--model FILE|NAME]`: the Ollama and OpenAI HTTP APIs for every model in the
// store (loaded on demand, unloaded after keep_alive) plus the --model file, kept loaded.
// Address from --host, else HEARTH_HOST, else OLLAMA_HOST, else 127.0.0.1:11434.
// Environment: HEARTH_NUM_PARALLEL (sequences generated together, default 4; --parallel wins),
// HEARTH_MAX_QUEUE (waiting requests before 503, default 8), HEARTH_ORIGINS
// (comma-separated browser origins allowed by CORS), HEARTH_MAX_BODY and HEARTH_REQUEST_TIMEOUT
// (server/server.h). SIGINT/SIGTERM stop it cleanly.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/command.h"
#include "server/model_manager.h"
#include "server/model_source.h"
#include "server/server.h"

namespace hearth::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnStopSignal(int) { g_stop.store(true); }

struct ServeArgs {
  std::string model, name, host, kv_cache_type;
  int ctx = 0, threads = 0, parallel = 0;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

int Serve(const ServeArgs& a) {
  Result<GgmlType> kv_type = ResolveKvCacheType(a.kv_cache_type);
  if (!kv_type) return Fail(kv_type.error());
  server::ServerOptions sopts;
  std::string addr = !a.host.empty() ? a.host : !Env("HEARTH_HOST").empty() ? Env("HEARTH_HOST") : Env("OLLAMA_HOST");
  if (Status st = server::ParseHostPort(addr, &sopts.host, &sopts.port); !st.ok()) return Fail(st);
  std::stringstream origins(Env("HEARTH_ORIGINS"));
  for (std::string o; std::getline(origins, o, ',');) {
    if (!o.empty()) sopts.origins.push_back(o);
  }
  if (Status st = server::ApplyRequestLimitsFromEnv(&sopts); !st.ok()) return Fail(st);
  server::EngineOptions eopts;
  eopts.default_ctx = a.ctx;
  eopts.kv_cache_type = *kv_type;  // every slot's cache and the memory gate of model loads
  eopts.threads = a.threads;
  eopts.num_parallel = a.parallel;
  if (const std::string p = Env("HEARTH_NUM_PARALLEL"); !p.empty() && a.parallel == 0) {
    char* end = nullptr;
    const long v = std::strtol(p.c_str(), &end, 10);
    if (*end != '\0' || v < 1 || v > 256)
      return Fail(InvalidArgument("HEARTH_NUM_PARALLEL: '" + p + "' is not a count from 1 to 256"));
    eopts.num_parallel = static_cast<int>(v);
  }
  if (eopts.num_parallel == 0) eopts.num_parallel = 4;
  if (const std::string q = Env("HEARTH_MAX_QUEUE"); !q.empty()) {
    char* end = nullptr;
    const long v = std::strtol(q.c_str(), &end, 10);
    if (*end != '\0' || v < 0 || v > 100000)
      return Fail(InvalidArgument("HEARTH_MAX_QUEUE: '" + q + "' is not a count"));
    eopts.max_queue = static_cast<int>(v);
  }
  server::ModelSourceOptions source{.engine = eopts};
  if (const std::string limit = Env("HEARTH_MEMORY_LIMIT"); !limit.empty()) {
    Result<uint64_t> bytes = server::ParseByteSize(limit);
    if (!bytes) return Fail(bytes.error().WithContext("HEARTH_MEMORY_LIMIT"));
    source.memory_limit = *bytes;
  }
  server::ManagerOptions mopts;
  if (const std::string n = Env("HEARTH_MAX_LOADED_MODELS"); !n.empty()) {
    char* end = nullptr;
    const long v = std::strtol(n.c_str(), &end, 10);
    if (*end != '\0' || v < 1 || v > 1000)
      return Fail(InvalidArgument("HEARTH_MAX_LOADED_MODELS: '" + n + "' is not a count from 1 to 1000"));
    mopts.max_loaded = static_cast<int>(v);
  }
  Result<server::KeepAlive> keep_alive = server::KeepAliveFromEnv();
  if (!keep_alive) return Fail(keep_alive.error());
  mopts.default_keep_alive = *keep_alive;
  // Each connection holds an HTTP worker while it waits, so the pool must exceed the admission
  // bound (running + queued) of a model or excess requests would wait inside httplib instead of
  // getting 503.
  sopts.threads = std::clamp(eopts.num_parallel + eopts.max_queue + 8, 32, 1024);
  if (!a.model.empty()) {
    Result<std::string> file = ResolveModelFile(a.model);
    if (!file) return Fail(file.error());
    std::error_code ec;
    // A store name keeps its Modelfile settings (SYSTEM, PARAMETER) when pinned.
    Result<server::ModelSpec> stored = std::filesystem::is_regular_file(a.model, ec)
                                           ? Result<server::ModelSpec>(NotFound(a.model))
                                           : server::StoreModelSpec(a.model);
    if (stored && stored->path == *file) {
      source.pinned = *stored;
      source.pinned->pinned = true;
      if (!a.name.empty()) source.pinned->name = a.name.find(':') == std::string::npos ? a.name + ":latest" : a.name;
    } else {
      source.pinned =
          server::PinnedSpec(*file, a.name.empty() ? std::filesystem::path(a.model).stem().string() : a.name);
    }
  }
  const std::optional<server::ModelSpec> pinned = source.pinned;
  server::ModelManager models(mopts, server::StoreModelHooks(std::move(source)));
  if (pinned) {
    if (Status st = models.Pin(*pinned); !st.ok()) return Fail(st);
  }
  server::HttpServer http(models, sopts);

  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done.load()) {
      if (g_stop.load()) {
        models.Shutdown();
        http.Stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  Status st = http.Listen();
  done.store(true);
  watcher.join();
  if (!st.ok()) return Fail(st);
  std::fprintf(stderr, "hearth: stopped\n");
  return 0;
}

}  // namespace

RunFn AddServeCommand(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve the Ollama and OpenAI HTTP APIs for the models in the store (HEARTH_MODELS), loaded on demand.\n"
      "Environment: HEARTH_KEEP_ALIVE / OLLAMA_KEEP_ALIVE (how long an idle model stays loaded, default 5m;\n"
      "negative = forever), HEARTH_MAX_LOADED_MODELS (default 3), HEARTH_MEMORY_LIMIT (e.g. 8GiB; default:\n"
      "available RAM), HEARTH_NUM_PARALLEL, HEARTH_MAX_QUEUE, HEARTH_ORIGINS, HF_ENDPOINT and HF_TOKEN (/api/pull)");
  cmd->add_option("--model,-m", a->model, "Also serve this GGUF file or store name, loaded at start and kept loaded");
  cmd->add_option("--name", a->name, "The model's name in the API (default: the file name without .gguf)");
  cmd->add_option("--host", a->host, "host:port to listen on (default: HEARTH_HOST, OLLAMA_HOST, 127.0.0.1:11434)");
  cmd->add_option("--ctx", a->ctx, "Default context length (default: min(4096, the model's))")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads,-t", a->threads, "Threads (default: physical cores)")->check(CLI::PositiveNumber);
  AddKvCacheTypeOption(cmd, a->kv_cache_type);
  cmd->add_option("--parallel", a->parallel, "Sequences generated together (default: HEARTH_NUM_PARALLEL, 4)")
      ->check(CLI::Range(1, 256));
  return [a] { return Serve(*a); };
}

}  // namespace hearth::cli
