// ModelManager's policy without weights: a fake loader (sizes only), an injected budget and
// clock. Loading on demand, reuse, keep_alive expiry, LRU eviction under the memory budget and
// the model count, busy models never unloaded, and the refusal message.
#include "server/model_manager.h"

#include <gtest/gtest.h>

#include <map>

#include "server/model_source.h"

namespace hearth::server {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

class ManagerTest : public ::testing::Test {
 protected:
  std::unique_ptr<ModelManager> Make(int max_loaded, uint64_t budget) {
    budget_ = budget;
    ManagerHooks hooks;
    hooks.resolve = [this](const std::string& name) -> Result<ModelSpec> {
      const std::string key = ModelManager::Key(name);
      if (!sizes_.contains(key)) return NotFound("model '" + name + "' not found, try pulling it first");
      return ModelSpec{.name = key, .path = "/models/" + key};
    };
    hooks.load = [this](const ModelSpec& spec, Metrics&) -> Result<LoadedModel> {
      ++loads_;
      return LoadedModel{.engine = nullptr, .bytes = sizes_.at(ModelManager::Key(spec.name)), .context_length = 4096};
    };
    hooks.memory_budget = [this] { return budget_; };
    hooks.now = [this] { return now_; };
    return std::make_unique<ModelManager>(ManagerOptions{.max_loaded = max_loaded}, std::move(hooks));
  }

  std::vector<std::string> LoadedNames(const ModelManager& m) {
    std::vector<std::string> names;
    for (const LoadedInfo& i : m.Loaded()) names.push_back(i.spec.name);
    return names;
  }

  std::shared_ptr<ModelLease> Get(ModelManager& m, const std::string& name, KeepAlive k = kDefaultKeepAlive) {
    Result<std::shared_ptr<ModelLease>> lease = m.Acquire(name, k);
    EXPECT_TRUE(lease.ok()) << name << ": " << lease.error().message();
    return lease ? *lease : nullptr;
  }

  std::map<std::string, uint64_t> sizes_ = {
      {"a:latest", 2 * kGiB}, {"b:latest", 3 * kGiB}, {"c:latest", 4 * kGiB}, {"huge:latest", 20 * kGiB}};
  uint64_t budget_ = 0;
  int loads_ = 0;
  Clock::time_point now_ = Clock::time_point() + std::chrono::hours(1);
};

TEST_F(ManagerTest, LoadsOnDemandAndReusesTheLoadedModel) {
  auto m = Make(3, 100 * kGiB);
  EXPECT_TRUE(m->Loaded().empty());
  Get(*m, "A");
  Get(*m, "a:latest");
  EXPECT_EQ(loads_, 1);
  EXPECT_EQ(LoadedNames(*m), std::vector<std::string>{"a:latest"});
  Result<std::shared_ptr<ModelLease>> missing = m->Acquire("nosuch", kDefaultKeepAlive);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
}

TEST_F(ManagerTest, KeepAliveRunsFromTheEndOfTheLastRequest) {
  auto m = Make(3, 100 * kGiB);
  auto lease = Get(*m, "a", KeepAlive::For(std::chrono::minutes(5)));
  now_ += std::chrono::minutes(10);
  m->Reap();
  EXPECT_EQ(m->Loaded().size(), 1u) << "in use: never unloaded";
  lease.reset();  // the request ends now
  now_ += std::chrono::minutes(4);
  m->Reap();
  ASSERT_EQ(m->Loaded().size(), 1u);
  EXPECT_EQ(m->Loaded()[0].expires, now_ + std::chrono::minutes(1));
  now_ += std::chrono::minutes(1);
  m->Reap();
  EXPECT_TRUE(m->Loaded().empty());
}

TEST_F(ManagerTest, ZeroUnloadsWhenIdleAndNegativeKeepsForever) {
  auto m = Make(3, 100 * kGiB);
  Get(*m, "a", KeepAlive::For(std::chrono::nanoseconds(0)));
  m->Reap();
  EXPECT_TRUE(m->Loaded().empty());
  Get(*m, "b", KeepAlive::Forever());
  now_ += std::chrono::hours(1000);
  m->Reap();
  ASSERT_EQ(m->Loaded().size(), 1u);
  EXPECT_TRUE(m->Loaded()[0].forever);
  ASSERT_TRUE(m->Unload("b").ok());
  EXPECT_TRUE(m->Loaded().empty());
  EXPECT_EQ(m->Unload("nosuch").code(), StatusCode::kNotFound);
  EXPECT_TRUE(m->Unload("c").ok()) << "a known model that is not loaded is fine";
}

TEST_F(ManagerTest, CountLimitUnloadsTheLeastRecentlyUsedIdleModel) {
  auto m = Make(2, 100 * kGiB);
  Get(*m, "a");
  now_ += std::chrono::seconds(1);
  Get(*m, "b");
  now_ += std::chrono::seconds(1);
  Get(*m, "a");  // a is now the most recent
  now_ += std::chrono::seconds(1);
  Get(*m, "c");
  std::vector<std::string> names = LoadedNames(*m);
  EXPECT_EQ(names, (std::vector<std::string>{"a:latest", "c:latest"}));
}

TEST_F(ManagerTest, MemoryBudgetEvictsIdleModelsUntilTheNewOneFits) {
  auto m = Make(5, 8 * kGiB);
  Get(*m, "a");  // 2
  now_ += std::chrono::seconds(1);
  Get(*m, "b");  // 5
  now_ += std::chrono::seconds(1);
  Get(*m, "c");  // 4 more needs 9 > 8: a (LRU) goes, 7 fits
  EXPECT_EQ(LoadedNames(*m), (std::vector<std::string>{"b:latest", "c:latest"}));
}

TEST_F(ManagerTest, BusyModelsStayAndTheRefusalNamesTheNumbers) {
  auto m = Make(5, 6 * kGiB);
  auto busy = Get(*m, "b");  // 3 GiB, in use
  Result<std::shared_ptr<ModelLease>> c = m->Acquire("c", kDefaultKeepAlive);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(c.error().message(), "model requires more system memory (4.00 GiB) than is available (3.00 GiB)");
  EXPECT_EQ(LoadedNames(*m), std::vector<std::string>{"b:latest"});
  busy.reset();
  ASSERT_TRUE(m->Acquire("c", kDefaultKeepAlive).ok()) << "b is idle now and makes room";
  EXPECT_EQ(LoadedNames(*m), std::vector<std::string>{"c:latest"});
  Result<std::shared_ptr<ModelLease>> huge = m->Acquire("huge", kDefaultKeepAlive);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().message(), "model requires more system memory (20.00 GiB) than is available (6.00 GiB)");
  EXPECT_TRUE(m->Loaded().empty()) << "idle c was unloaded trying to make room";
}

TEST_F(ManagerTest, CountLimitWithEveryModelBusyIsUnavailable) {
  auto m = Make(1, 100 * kGiB);
  auto a = Get(*m, "a");
  Result<std::shared_ptr<ModelLease>> b = m->Acquire("b", kDefaultKeepAlive);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code(), StatusCode::kUnavailable);
}

TEST_F(ManagerTest, PinnedModelsAreNeverUnloaded) {
  auto m = Make(1, 100 * kGiB);
  ASSERT_TRUE(m->Pin(ModelSpec{.name = "a:latest", .path = "/models/a:latest"}).ok());
  now_ += std::chrono::hours(100);
  m->Reap();
  ASSERT_EQ(m->Loaded().size(), 1u);
  EXPECT_TRUE(m->Loaded()[0].forever);
  EXPECT_EQ(m->Acquire("b", kDefaultKeepAlive).error().code(), StatusCode::kUnavailable);
  m->Forget("a");
  EXPECT_EQ(m->Loaded().size(), 1u);
}

TEST_F(ManagerTest, ForgetUnloadsOnceIdle) {
  auto m = Make(3, 100 * kGiB);
  auto lease = Get(*m, "a");
  m->Forget("a");
  EXPECT_EQ(m->Loaded().size(), 1u);
  lease.reset();
  m->Reap();
  EXPECT_TRUE(m->Loaded().empty());
}

TEST(ByteSize, UnitsAndErrors) {
  EXPECT_EQ(*ParseByteSize("8GiB"), 8 * kGiB);
  EXPECT_EQ(*ParseByteSize("512 MiB"), uint64_t{512} << 20);
  EXPECT_EQ(*ParseByteSize("2.5GB"), uint64_t{2500000000});
  EXPECT_EQ(*ParseByteSize("1000"), 1000u);
  EXPECT_EQ(*ParseByteSize("1k"), 1024u);
  for (const char* bad : {"", "GiB", "-1GiB", "8 parsecs", "1e30", "nan"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace hearth::server
