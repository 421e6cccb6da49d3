// keep_alive: Go durations, seconds as numbers, negative = forever, 0 = unload, bad input = 400.
#include "server/keep_alive.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace hearth::server {
namespace {

using std::chrono::nanoseconds;

KeepAlive Ok(const Json& value) {
  Result<KeepAlive> k = ParseKeepAlive(Json{{"keep_alive", value}}, kDefaultKeepAlive);
  EXPECT_TRUE(k.ok()) << value.dump() << ": " << k.error().message();
  return k ? *k : KeepAlive{};
}

TEST(KeepAlive, GoDurationStrings) {
  EXPECT_EQ(Ok("5m"), KeepAlive::For(std::chrono::minutes(5)));
  EXPECT_EQ(Ok("1h30m"), KeepAlive::For(std::chrono::minutes(90)));
  EXPECT_EQ(Ok("10s"), KeepAlive::For(std::chrono::seconds(10)));
  EXPECT_EQ(Ok("300ms"), KeepAlive::For(std::chrono::milliseconds(300)));
  EXPECT_EQ(Ok("1.5h"), KeepAlive::For(std::chrono::minutes(90)));
  EXPECT_EQ(Ok("2m3s4ms"), KeepAlive::For(std::chrono::milliseconds(123004)));
  EXPECT_EQ(Ok("0"), KeepAlive::For(nanoseconds(0)));
  EXPECT_TRUE(Ok("0s").unload_now());
  EXPECT_TRUE(Ok("-1m").forever);
  EXPECT_TRUE(Ok("-1s").forever);
}

TEST(KeepAlive, NumbersAreSeconds) {
  EXPECT_EQ(Ok(30), KeepAlive::For(std::chrono::seconds(30)));
  EXPECT_EQ(Ok(0.5), KeepAlive::For(std::chrono::milliseconds(500)));
  EXPECT_TRUE(Ok(0).unload_now());
  EXPECT_TRUE(Ok(-1).forever);
  EXPECT_TRUE(Ok(1e300).forever);  // longer than any run
}

TEST(KeepAlive, AbsentUsesTheFallback) {
  const KeepAlive fallback = KeepAlive::For(std::chrono::seconds(7));
  EXPECT_EQ(*ParseKeepAlive(Json::object(), fallback), fallback);
  EXPECT_EQ(*ParseKeepAlive(Json{{"keep_alive", nullptr}}, fallback), fallback);
}

TEST(KeepAlive, BadValuesAreInvalidArgument) {
  for (const Json& bad : {Json("5"), Json("abc"), Json("5 m"), Json("5x"), Json(""), Json("-"), Json("m"), Json("."),
                          Json(true), Json::array({1}), Json{{"s", 1}}}) {
    Result<KeepAlive> k = ParseKeepAlive(Json{{"keep_alive", bad}}, kDefaultKeepAlive);
    ASSERT_FALSE(k.ok()) << bad.dump();
    EXPECT_EQ(k.error().code(), StatusCode::kInvalidArgument) << bad.dump();
    EXPECT_NE(k.error().message().find("keep_alive"), std::string::npos) << k.error().message();
  }
}

TEST(KeepAlive, EnvironmentTakesBareSecondsAndPrefersHearth) {
  ::setenv("OLLAMA_KEEP_ALIVE", "120", 1);
  ::unsetenv("HEARTH_KEEP_ALIVE");
  EXPECT_EQ(*KeepAliveFromEnv(), KeepAlive::For(std::chrono::minutes(2)));
  ::setenv("HEARTH_KEEP_ALIVE", "1h", 1);
  EXPECT_EQ(*KeepAliveFromEnv(), KeepAlive::For(std::chrono::hours(1)));
  ::setenv("HEARTH_KEEP_ALIVE", "soon", 1);
  Result<KeepAlive> bad = KeepAliveFromEnv();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("HEARTH_KEEP_ALIVE"), std::string::npos);
  ::unsetenv("HEARTH_KEEP_ALIVE");
  ::unsetenv("OLLAMA_KEEP_ALIVE");
  EXPECT_EQ(*KeepAliveFromEnv(), kDefaultKeepAlive);
}

}  // namespace
}  // namespace hearth::server
