#include "server/host_check.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(HostCheckTest, LocalAddressesAreRecognised) {
  for (const char* a : {"127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.20",
                        "169.254.3.4", "0.0.0.0", "::1", "::", "::ffff:127.0.0.1", "::ffff:192.168.0.1",
                        "fd12:3456::1", "fe80::1"}) {
    EXPECT_TRUE(IsLocalAddress(a)) << a;
  }
  for (const char* a : {"8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "::2", "2001:db8::1",
                        "::ffff:8.8.8.8", "localhost", "example.com", "", "127.0.0.1:80", "999.1.1.1"}) {
    EXPECT_FALSE(IsLocalAddress(a)) << a;
  }
}

TEST(HostCheckTest, LoopbackBindAddresses) {
  EXPECT_TRUE(IsLoopbackBind("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackBind("127.0.0.2"));
  EXPECT_TRUE(IsLoopbackBind("LocalHost"));
  EXPECT_TRUE(IsLoopbackBind("::1"));
  EXPECT_FALSE(IsLoopbackBind("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackBind("::"));
  EXPECT_FALSE(IsLoopbackBind("192.168.1.5"));
}

TEST(HostCheckTest, LocalHostHeadersPass) {
  for (const char* h : {"localhost:11434", "LOCALHOST", "127.0.0.1:11434", "[::1]:11434", "[::1]", "0.0.0.0:11434",
                        "192.168.1.7:8080", "box.local", "api.localhost:11434", "svc.internal", "", "mybox:11434",
                        "MyBox"}) {
    EXPECT_TRUE(HostHeaderAllowed(h, "mybox")) << h;
  }
}

TEST(HostCheckTest, ForeignHostHeadersAreRefused) {
  // A rebinding page sends its own name; public addresses are not this machine's loopback.
  for (const char* h : {"evil.example", "evil.example:11434", "localhost.evil.example", "8.8.8.8:11434",
                        "[2001:db8::1]:11434", "otherbox", "local", "notlocal"}) {
    EXPECT_FALSE(HostHeaderAllowed(h, "mybox")) << h;
  }
  EXPECT_FALSE(HostHeaderAllowed("anything", ""));
}

}  // namespace
}  // namespace hearth
