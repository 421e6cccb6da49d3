// ParseBody: the refusals that keep hostile bodies away from the recursive JSON code.
#include "server/http_util.h"

#include <gtest/gtest.h>

namespace hearth::server {
namespace {

Result<Json> Parse(std::string body) {
  httplib::Request req;
  req.body = std::move(body);
  return ParseBody(req);
}

TEST(ParseBody, RefusesDeepNestingBeforeParsing) {
  const std::string deep = "{\"messages\":[{\"content\":" + std::string(100000, '[') + std::string(100000, ']') + "}]}";
  Result<Json> r = Parse(deep);
  ASSERT_FALSE(r);
  EXPECT_EQ(HttpStatus(r.error()), 400);
  EXPECT_NE(r.error().message().find("nests deeper than 512"), std::string::npos) << r.error().message();
  // 512 levels are accepted; brackets inside strings (escaped quotes included) do not count.
  EXPECT_TRUE(Parse(std::string(512, '[') + std::string(512, ']')));
  EXPECT_FALSE(Parse(std::string(513, '[') + std::string(513, ']')));
  Result<Json> quoted = Parse("{\"a\":\"\\\"" + std::string(1000, '[') + "\"}");
  ASSERT_TRUE(quoted) << quoted.error().ToString();
  EXPECT_EQ((*quoted)["a"].get<std::string>().size(), 1001u);
}

TEST(ParseBody, RefusesInvalidJsonAndUtf8) {
  for (const std::string& body : {std::string(), std::string("{"), std::string("{\"a\":\"\xff\xfe\"}"),
                                  std::string("{\"a\":\"\xc0\xaf\"}"), std::string("[1,]")}) {
    Result<Json> r = Parse(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(HttpStatus(r.error()), 400) << body;
  }
}

}  // namespace
}  // namespace hearth::server
