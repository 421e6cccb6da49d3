// ModelManager: on-demand loading, keep_alive expiry, LRU eviction under the memory budget and
// the loaded-model count.
#include "server/model_manager.h"

#include <algorithm>
#include <cctype>

#include "base/ascii.h"
#include "hw/memory_estimate.h"
#include "store/model_name.h"

namespace hearth::server {
ModelLease::~ModelLease() { manager_->Release(key_, engine_, keep_alive_); }

ModelManager::ModelManager(ManagerOptions opts, ManagerHooks hooks) : opts_(opts), hooks_(std::move(hooks)) {
  opts_.max_loaded = std::max(1, opts_.max_loaded);
  reaper_ = std::thread([this] { ReaperLoop(); });
}

ModelManager::~ModelManager() {
  Shutdown();
  std::map<std::string, Entry> gone;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
    gone.swap(loaded_);
  }
  cv_.notify_all();
  reaper_.join();
}

std::string ModelManager::Key(const std::string& name) {
  Result<store::ModelName> parsed = store::ParseModelName(name);
  if (parsed) return AsciiLower(parsed->Display());
  return AsciiLower(name.find(':') == std::string::npos ? name + ":latest" : name);
}

std::shared_ptr<ModelLease> ModelManager::Lease(const std::string& key, Entry& e, const KeepAlive& keep_alive) {
  ++e.active;
  e.last_used = hooks_.now();
  // Not a std::make_shared: the constructor is private to the manager.
  return std::shared_ptr<ModelLease>(new ModelLease(this, key, e.loaded.engine, e.spec, keep_alive));
}

Result<std::shared_ptr<ModelLease>> ModelManager::Acquire(const std::string& name, const KeepAlive& keep_alive) {
  HEARTH_ASSIGN_OR_RETURN(ModelSpec spec, hooks_.resolve(name));
  const std::string key = Key(spec.name);
  std::vector<std::shared_ptr<Engine>> dropped;  // destroyed after the locks are released
  auto lookup = [&]() -> std::shared_ptr<ModelLease> {
    auto it = loaded_.find(key);
    if (it == loaded_.end()) return nullptr;
    if (it->second.spec.path == spec.path && !it->second.drop_when_idle) {
      // Same weights; SYSTEM or PARAMETER may have changed (re-created): the newest apply.
      it->second.spec.config = spec.config;
      it->second.spec.digest = spec.digest;
      return Lease(key, it->second, keep_alive);
    }
    // Re-created or deleted under the same name: the old weights go once their requests end.
    it->second.drop_when_idle = true;
    if (it->second.active == 0) {
      dropped.push_back(std::move(it->second.loaded.engine));
      loaded_.erase(it);
    }
    return nullptr;
  };
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (auto lease = lookup()) return lease;
  }
  std::lock_guard<std::mutex> load_lk(load_mu_);
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (auto lease = lookup()) return lease;  // loaded by another request meanwhile
  }
  const uint64_t budget = hooks_.memory_budget();
  HEARTH_ASSIGN_OR_RETURN(LoadedModel loaded, hooks_.load(spec, metrics_));
  std::lock_guard<std::mutex> lk(mu_);
  // A stale entry under this key that is still busy stays out of the table's way.
  if (auto it = loaded_.find(key); it != loaded_.end()) {
    return Status(StatusCode::kUnavailable, "model '" + spec.name + "' is being replaced; try again when its "
                                            "running requests have finished");
  }
  if (Status st = MakeRoom(loaded.bytes, budget, dropped); !st.ok()) {
    dropped.push_back(std::move(loaded.engine));
    return st;
  }
  Entry& e = loaded_[key];
  e.spec = std::move(spec);
  e.loaded = std::move(loaded);
  e.forever = keep_alive.forever;
  e.expires = hooks_.now() + keep_alive.duration;
  return Lease(key, e, keep_alive);
}

Status ModelManager::MakeRoom(uint64_t need, uint64_t budget, std::vector<std::shared_ptr<Engine>>& dropped) {
  for (;;) {
    uint64_t used = 0;
    for (const auto& [key, e] : loaded_) used += e.loaded.bytes;
    const uint64_t available = budget > used ? budget - used : 0;
    const bool count_ok = static_cast<int>(loaded_.size()) < opts_.max_loaded;
    if (count_ok && need <= available) return Status::Ok();
    // Least recently used idle model first; pinned and busy models stay.
    auto victim = loaded_.end();
    for (auto it = loaded_.begin(); it != loaded_.end(); ++it) {
      if (it->second.active > 0 || it->second.spec.pinned) continue;
      if (victim == loaded_.end() || it->second.last_used < victim->second.last_used) victim = it;
    }
    if (victim == loaded_.end()) {
      if (!count_ok) {
        return Status(StatusCode::kUnavailable,
                      "server busy: " + std::to_string(loaded_.size()) +
                          " models are loaded and in use (HEARTH_MAX_LOADED_MODELS=" +
                          std::to_string(opts_.max_loaded) + "); try again when one is idle");
      }
      // Ollama's wording, so clients and users recognise it.
      return ResourceExhausted("model requires more system memory (" + FormatGiB(need) + ") than is available (" +
                               FormatGiB(available) + ")");
    }
    dropped.push_back(std::move(victim->second.loaded.engine));
    loaded_.erase(victim);
  }
}

Status ModelManager::Pin(const ModelSpec& spec) {
  ModelSpec pinned = spec;
  pinned.pinned = true;
  HEARTH_ASSIGN_OR_RETURN(LoadedModel loaded, hooks_.load(pinned, metrics_));
  std::lock_guard<std::mutex> lk(mu_);
  Entry& e = loaded_[Key(pinned.name)];
  e.spec = std::move(pinned);
  e.loaded = std::move(loaded);
  e.forever = true;
  e.last_used = hooks_.now();
  return Status::Ok();
}

void ModelManager::Release(const std::string& key, const std::shared_ptr<Engine>& engine, const KeepAlive& keep_alive) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = loaded_.find(key);
    // The entry may have been replaced by a newer load of the same name: only ours counts.
    if (it == loaded_.end() || it->second.loaded.engine != engine) return;
    Entry& e = it->second;
    --e.active;
    e.last_used = hooks_.now();
    if (!e.spec.pinned) {
      e.forever = keep_alive.forever;
      e.expires = e.last_used + keep_alive.duration;
    }
  }
  cv_.notify_all();
}

Status ModelManager::Unload(const std::string& name) {
  HEARTH_ASSIGN_OR_RETURN(const ModelSpec spec, hooks_.resolve(name));
  std::shared_ptr<Engine> dropped;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = loaded_.find(Key(spec.name));
    if (it == loaded_.end() || it->second.spec.pinned) return Status::Ok();
    it->second.forever = false;
    it->second.expires = hooks_.now();
    if (it->second.active == 0) {
      dropped = std::move(it->second.loaded.engine);
      loaded_.erase(it);
    }
  }
  cv_.notify_all();
  return Status::Ok();
}

void ModelManager::Forget(const std::string& name) {
  std::shared_ptr<Engine> dropped;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = loaded_.find(Key(name));
    if (it == loaded_.end() || it->second.spec.pinned) return;
    it->second.drop_when_idle = true;
    if (it->second.active == 0) {
      dropped = std::move(it->second.loaded.engine);
      loaded_.erase(it);
    }
  }
  cv_.notify_all();
}

std::vector<LoadedInfo> ModelManager::Loaded() const {
  std::lock_guard<std::mutex> lk(mu_);
  std::vector<LoadedInfo> out;
  const Clock::time_point now = hooks_.now();
  for (const auto& [key, e] : loaded_) {
    LoadedInfo info{.spec = e.spec,
                    .bytes = e.loaded.bytes,
                    .context_length = e.loaded.context_length,
                    .forever = e.forever || e.spec.pinned,
                    .expires = e.expires,
                    .active = e.active};
    // In use: it expires keep_alive after the request ends, not before.
    if (e.active > 0 && !info.forever && e.expires < now) info.expires = now;
    if (e.loaded.engine != nullptr && e.loaded.engine->current_ctx() > 0) {
      info.context_length = e.loaded.engine->current_ctx();
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<std::shared_ptr<Engine>> ModelManager::TakeExpired(Clock::duration* next_in) {
  std::vector<std::shared_ptr<Engine>> dropped;
  const Clock::time_point now = hooks_.now();
  Clock::duration next = std::chrono::seconds(1);
  for (auto it = loaded_.begin(); it != loaded_.end();) {
    const Entry& e = it->second;
    const bool idle = e.active == 0 && !e.spec.pinned;
    if (idle && (e.drop_when_idle || (!e.forever && e.expires <= now))) {
      dropped.push_back(std::move(it->second.loaded.engine));
      it = loaded_.erase(it);
      continue;
    }
    if (idle && !e.forever) next = std::min(next, e.expires - now);
    ++it;
  }
  if (next_in != nullptr) *next_in = next;
  return dropped;
}

void ModelManager::Reap() {
  std::vector<std::shared_ptr<Engine>> dropped;
  std::lock_guard<std::mutex> lk(mu_);
  dropped = TakeExpired(nullptr);
}

void ModelManager::ReaperLoop() {
  std::unique_lock<std::mutex> lk(mu_);
  while (!stop_) {
    Clock::duration next{};
    std::vector<std::shared_ptr<Engine>> dropped = TakeExpired(&next);
    if (!dropped.empty()) {
      // Joining an engine's scheduler must not hold up requests that need the table.
      lk.unlock();
      dropped.clear();
      lk.lock();
      continue;
    }
    // Also woken by Release/Unload/Forget; at most 1 s, so an injected clock is followed too.
    cv_.wait_for(lk, next);
  }
}

void ModelManager::Shutdown() {
  std::lock_guard<std::mutex> lk(mu_);
  for (auto& [key, e] : loaded_) {
    if (e.loaded.engine != nullptr) e.loaded.engine->Shutdown();
  }
}

std::string ModelManager::RenderMetrics() const {
  GaugeValues g;
  std::lock_guard<std::mutex> lk(mu_);
  for (const auto& [key, e] : loaded_) {
    if (e.loaded.engine == nullptr) continue;
    const GaugeValues one = e.loaded.engine->Gauges();
    g.queue_depth += one.queue_depth;
    g.active_slots += one.active_slots;
    g.slots += one.slots;
  }
  return metrics_.Render(g);
}

}  // namespace hearth::server
