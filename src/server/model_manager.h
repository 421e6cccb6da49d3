// The models `hearth serve` has loaded, and the policy for loading and unloading them (Ollama's
// scheduler, for one CPU): a request names a model, Acquire loads it on demand (one load at a
// time) and hands out a lease; while any lease is held the model is never unloaded. When the
// last lease ends, the model stays loaded for its keep_alive and a reaper thread unloads it
// after that. Before a load, the estimated footprint is checked against the memory budget and
// HEARTH_MAX_LOADED_MODELS; idle models are unloaded least recently used first to make room,
// and when that is not enough the load is refused with the numbers.
// Thread-safe. Loading, the budget, the clock and name resolution are injected (ManagerHooks),
// so the policy is tested without weights (model_manager_test.cc).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "server/engine.h"
#include "server/keep_alive.h"
#include "server/metrics.h"
#include "store/model_config.h"

namespace hearth::server {

// A model that can be served: where its weights are and the store's settings for it.
struct ModelSpec {
  std::string name;           // shown in the API: "tiny:latest", "hf.co/org/repo:Q4_K_M"
  std::string path;           // the GGUF file
  std::string digest;         // manifest sha256 hex (store) or a file identity (--model)
  store::ModelConfig config;  // SYSTEM / PARAMETER / MESSAGE / TEMPLATE; empty for --model
  bool pinned = false;        // the --model file: loaded at start, never unloaded
};

// What a load produced. `engine` may be null in tests (the policy never dereferences it).
struct LoadedModel {
  std::shared_ptr<Engine> engine;
  uint64_t bytes = 0;      // estimated memory: weights + num_parallel slots of K/V and buffers
  int context_length = 0;  // default context of each slot
};

struct ManagerHooks {
  // Name as a client sent it -> spec. NotFound for unknown names (message in Ollama's words).
  std::function<Result<ModelSpec>(const std::string& name)> resolve;
  // Engines record into the manager's `metrics`.
  std::function<Result<LoadedModel>(const ModelSpec& spec, Metrics& metrics)> load;
  // Bytes the loaded models may use in total (HEARTH_MEMORY_LIMIT, else available RAM), read
  // before each load.
  std::function<uint64_t()> memory_budget;
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
};

struct ManagerOptions {
  int max_loaded = 3;  // HEARTH_MAX_LOADED_MODELS
  KeepAlive default_keep_alive = kDefaultKeepAlive;
};

// One loaded model as /api/ps shows it.
struct LoadedInfo {
  ModelSpec spec;
  uint64_t bytes = 0;
  int context_length = 0;
  bool forever = false;        // keep_alive < 0 or pinned
  Clock::time_point expires;   // meaningful when !forever; while in use, now + keep_alive
  int active = 0;              // leases held
};

class ModelManager;

// A loaded model in use by one request. Dropping the lease starts the model's keep_alive.
class ModelLease {
 public:
  ~ModelLease();
  ModelLease(const ModelLease&) = delete;
  ModelLease& operator=(const ModelLease&) = delete;

  Engine& engine() const { return *engine_; }
  const ModelSpec& spec() const { return spec_; }

 private:
  friend class ModelManager;
  ModelLease(ModelManager* manager, std::string key, std::shared_ptr<Engine> engine, ModelSpec spec,
             KeepAlive keep_alive)
      : manager_(manager), key_(std::move(key)), engine_(std::move(engine)), spec_(std::move(spec)),
        keep_alive_(keep_alive) {}

  ModelManager* manager_;
  std::string key_;
  std::shared_ptr<Engine> engine_;  // keeps the engine alive even if it is dropped meanwhile
  ModelSpec spec_;
  KeepAlive keep_alive_;
};

class ModelManager {
 public:
  ModelManager(ManagerOptions opts, ManagerHooks hooks);
  // Stops the reaper and every engine (running generations end with "cancel").
  ~ModelManager();
  ModelManager(const ModelManager&) = delete;
  ModelManager& operator=(const ModelManager&) = delete;

  const ManagerOptions& options() const { return opts_; }

  // The model's engine, loaded if needed. NotFound (unknown name), ResourceExhausted (does not
  // fit the memory budget even with every idle model unloaded), Unavailable (at the count limit
  // with every loaded model in use), or the loader's error.
  [[nodiscard]] Result<std::shared_ptr<ModelLease>> Acquire(const std::string& name, const KeepAlive& keep_alive);
  // Loads the model for good (the --model file at startup).
  [[nodiscard]] Status Pin(const ModelSpec& spec);
  // `ollama stop`: unloads the model once idle. NotFound only for a name that resolves to
  // nothing; a known model that is not loaded is fine.
  [[nodiscard]] Status Unload(const std::string& name);
  // After DELETE /api/delete: whatever is loaded under this name goes once idle.
  void Forget(const std::string& name);

  std::vector<LoadedInfo> Loaded() const;
  // Unloads what has expired now (the reaper does this on its own; tests call it directly).
  void Reap();
  Result<ModelSpec> Resolve(const std::string& name) const { return hooks_.resolve(name); }
  // Makes every running and future generation stop (SIGTERM).
  void Shutdown();

  Metrics& metrics() { return metrics_; }
  std::string RenderMetrics() const;

  // The key a name is tracked under: lower case, ":latest" added when no tag is given.
  static std::string Key(const std::string& name);

 private:
  friend class ModelLease;
  struct Entry {
    ModelSpec spec;
    LoadedModel loaded;
    int active = 0;
    bool forever = false;
    bool drop_when_idle = false;
    Clock::time_point expires, last_used;
  };

  void Release(const std::string& key, const std::shared_ptr<Engine>& engine, const KeepAlive& keep_alive);
  // Makes room for `need` bytes and one more model; moves what it unloads into `dropped`.
  // Called with mu_ held.
  Status MakeRoom(uint64_t need, uint64_t budget, std::vector<std::shared_ptr<Engine>>& dropped);
  std::shared_ptr<ModelLease> Lease(const std::string& key, Entry& e, const KeepAlive& keep_alive);
  // Takes the idle entries whose keep_alive has run out (or that were forgotten) out of the
  // table; `next_in` gets the time to the next expiry (at most 1 s). Called with mu_ held.
  std::vector<std::shared_ptr<Engine>> TakeExpired(Clock::duration* next_in);
  void ReaperLoop();

  ManagerOptions opts_;
  ManagerHooks hooks_;
  Metrics metrics_;
  std::mutex load_mu_;  // one load at a time (held across the loader, never with mu_ waiting on it)
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> loaded_;  // by Key(); guarded by mu_
  bool stop_ = false;                    // guarded by mu_
  std::thread reaper_;
};

}  // namespace hearth::server
